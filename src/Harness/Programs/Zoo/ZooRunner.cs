using TaskGroups.Verification.Engine;
using TaskGroups.Harness.Programs;
using TaskGroups.Harness.Scenarios;
using TaskGroups.Harness.Targets;

namespace TaskGroups.Harness.Zoo;

/// <summary>
/// Runs every broken target through explore (every scenario), properties (generated programs) and a
/// stress run of the same scenario bodies on the real thread pool for the same wall time; replays
/// every systematic detection's schedule file and requires the identical bug line; and runs the targets
/// that must stay clean through the same ways (the false-alarm check).
/// </summary>
/// <remarks>
/// Exploration interleaves the scenarios in rounds of growing batches (10, 40, 160, … schedules each,
/// up to <see cref="ZooSettings.Iterations"/> per scenario), so the time to the first detection does not
/// depend on where the catalog happens to list the revealing scenario. Each batch has its own seed, in
/// its schedule file.
/// </remarks>
public static class ZooRunner
{
    /// <summary>Runs the zoo; <paramref name="progress"/> receives one line per finished target.</summary>
    public static ZooReport Run(ZooSettings settings, IReadOnlyList<IBrokenTarget> broken, IReadOnlyList<IGroupTarget> clean, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(broken);
        ArgumentNullException.ThrowIfNull(clean);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var rows = new List<ZooRow>();
        foreach (IBrokenTarget target in broken)
        {
            Detection explore = ExploreUntilFound(target, settings);
            Detection properties = CheckProperties(target, settings);
            Detection stress = StressRunner.Run(target, ScenarioRegistry.BuiltIn.For(target), StressBudget(explore, settings));
            rows.Add(new ZooRow(target, explore, properties, stress));
            progress?.Invoke($"  {target.Name}: explore {(explore.Found ? "found" : "-")}, properties {(properties.Found ? "found" : "-")}, stress {(stress.Found ? "found" : "-")}");
        }

        var cleanRows = new List<CleanRow>();
        foreach (IGroupTarget target in clean)
        {
            Detection explore = ExploreUntilFound(target, settings);
            Detection properties = CheckProperties(target, settings);
            Detection stress = StressRunner.Run(target, ScenarioRegistry.BuiltIn.For(target), StressBudget(explore, settings));
            cleanRows.Add(new CleanRow(target, explore, properties, stress));
            progress?.Invoke($"  {target.Name} (must stay clean): explore {(explore.Found ? "FOUND" : "clean")}, properties {(properties.Found ? "FOUND" : "clean")}, stress {(stress.Found ? "FOUND" : "clean")}");
        }

        return new ZooReport(rows, cleanRows, clock.Elapsed);
    }

    /// <summary>The stress run's wall time: the systematic run's, but at least the configured floor.</summary>
    private static TimeSpan StressBudget(Detection explore, ZooSettings settings) =>
        TimeSpan.FromSeconds(Math.Max(explore.Elapsed.TotalSeconds, settings.MinStressSeconds));

    /// <summary>Explores every scenario in rounds of growing batches until the first bug; replays it.</summary>
    public static Detection ExploreUntilFound(IGroupTarget target, ZooSettings settings)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(settings);
        IReadOnlyList<Scenario> scenarios = ScenarioRegistry.BuiltIn.For(target);
        int parallelism = settings.Parallelism > 0 ? settings.Parallelism : Environment.ProcessorCount;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long schedules = 0;
        int done = 0;
        for (int round = 0, batch = 10; done < settings.Iterations; round++, batch *= 4)
        {
            int size = Math.Min(batch, settings.Iterations - done);

            // Waves of `parallelism` scenarios, one engine each. Every scenario's seed depends only on
            // its index and the round, and a wave's detection is its lowest-indexed scenario's, so
            // what is found does not depend on the parallelism or on timing — only the wall time does.
            for (int first = 0; first < scenarios.Count; first += parallelism)
            {
                int waveSize = Math.Min(parallelism, scenarios.Count - first);
                var outcomes = new ScenarioOutcome[waveSize];
                int currentRound = round;
                Parallel.For(0, waveSize, new ParallelOptions { MaxDegreeOfParallelism = waveSize }, w =>
                {
                    int i = first + w;
                    uint seed = unchecked(settings.Seed + (uint)(i * 7919) + (uint)(currentRound * 104729));
                    outcomes[w] = ScenarioExplorer.Explore(target, scenarios[i], new ExplorationSettings(size, seed), Shard.All, settings.OutDirectory);
                });
                for (int w = 0; w < waveSize; w++)
                {
                    schedules += outcomes[w].Schedules;
                    if (outcomes[w].Bug is { } bug)
                    {
                        TimeSpan elapsed = clock.Elapsed;
                        bool replayed = Replays(outcomes[w].TracePath!, bug);
                        return new Detection(true, bug, outcomes[w].TracePath, replayed, elapsed, schedules, scenarios[first + w].Name);
                    }
                }
            }

            done += size;
        }

        return Detection.None(clock.Elapsed, schedules);
    }

    /// <summary>Checks the generated-program property; a counterexample's schedule is written and replayed.</summary>
    public static Detection CheckProperties(IGroupTarget target, ZooSettings settings)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(settings);
        var propertySettings = new PropertySettings(settings.PropertyCount, settings.Seed, settings.PropertySchedules);
        PropertyReport report = ProgramProperties.Check(target, propertySettings);
        if (report.Counterexample is not { } counterexample)
        {
            return Detection.None(report.Elapsed, report.ProgramsTested);
        }

        ProgramOutcome shrunk = counterexample.Shrunk;
        string path = ProgramExplorer.WriteTrace(settings.OutDirectory, target, shrunk);
        bool replayed = Replays(path, shrunk.Bug!);
        return new Detection(true, shrunk.Bug, path, replayed, report.Elapsed, report.ProgramsTested, shrunk.Program.ToString(), shrunk.Program.OperationCount);
    }

    /// <summary>Whether replaying the schedule file prints the identical bug line. A file the zoo wrote
    /// but cannot read back does not replay (the row says so; the run goes on).</summary>
    public static bool Replays(string schedulePath, string bug)
    {
        ScheduleFile schedule;
        try
        {
            schedule = ScheduleFile.Read(schedulePath);
        }
        catch (ScheduleFileException)
        {
            return false;
        }

        (ReplayRun run, _) = schedule.Kind == ScheduleKind.Program
            ? ProgramExplorer.Replay(ZooTargets.Registry.Find(schedule.Target)!, schedule)
            : ScenarioExplorer.Replay(schedule, ZooTargets.Registry, ScenarioRegistry.BuiltIn);
        return run.Result.FoundBug && run.Result.Bugs[0] == bug;
    }
}
