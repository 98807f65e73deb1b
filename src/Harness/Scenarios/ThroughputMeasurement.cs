using TaskGroups.Harness.Targets;
using TaskGroups.Verification.Engine;

namespace TaskGroups.Harness.Scenarios;

/// <summary>
/// Measures what the harness's checking costs: each scenario's body explored by raw Coyote (no
/// checker, no wrapper, no listener) and by the harness, with equal seeds, in interleaved rounds, the
/// median of each reported. Used by the CLI's <c>throughput</c> verb.
/// </summary>
public static class ThroughputMeasurement
{
    /// <summary>Measures <paramref name="scenarios"/> on <paramref name="target"/>.</summary>
    /// <param name="target">The target (normally the real group).</param>
    /// <param name="scenarios">The scenarios, at least one.</param>
    /// <param name="schedules">Schedules per measurement.</param>
    /// <param name="rounds">Interleaved rounds per scenario.</param>
    /// <returns>One row per scenario; throws <see cref="InvalidOperationException"/> if a run finds a bug
    /// (a throughput of a failing run would mean nothing).</returns>
    public static IReadOnlyList<ThroughputRow> Measure(IGroupTarget target, IReadOnlyList<Scenario> scenarios, int schedules, int rounds)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(scenarios);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(schedules);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rounds);

        // Warm up both paths once (JIT), then interleave raw and checked rounds with equal seeds.
        var settings = new ExplorationSettings(schedules, Seed: 1);
        _ = SystematicRunner.Explore(ScenarioExplorer.CreateRawTest(target, scenarios[0]), settings with { Iterations = 20 });
        _ = SystematicRunner.Explore(ScenarioExplorer.CreateTest(target, scenarios[0]), settings with { Iterations = 20 });
        var rows = new List<ThroughputRow>();
        foreach (Scenario s in scenarios)
        {
            var raw = new List<double>();
            var chk = new List<double>();
            for (int i = 0; i < rounds; i++)
            {
                raw.Add(Rate(SystematicRunner.Explore(ScenarioExplorer.CreateRawTest(target, s), settings with { Seed = (uint)i })));
                chk.Add(Rate(SystematicRunner.Explore(ScenarioExplorer.CreateTest(target, s), settings with { Seed = (uint)i })));
            }

            rows.Add(new ThroughputRow(s.Name, schedules, Median(raw), Median(chk)));
        }

        return rows;
    }

    private static double Rate(ExplorationResult result) =>
        result.FoundBug
            ? throw new InvalidOperationException($"throughput measurement found a bug: {result.Bugs[0]}")
            : result.Schedules / result.Elapsed.TotalSeconds;

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
