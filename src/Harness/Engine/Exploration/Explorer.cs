using Microsoft.Coyote.Specifications;
using TaskGroups.Harness.Checking;
using TaskGroups.Harness.Scenarios;
using TaskGroups.Harness.Targets;

namespace TaskGroups.Harness.Exploration;

/// <summary>Which slice of the seed space a process explores: shard <c>Index</c> of <c>Count</c>.</summary>
/// <param name="Index">0-based shard index.</param>
/// <param name="Count">Number of shards (machines or CI jobs).</param>
public readonly record struct Shard(int Index, int Count)
{
    /// <summary>The whole space.</summary>
    public static Shard All => new(0, 1);

    /// <summary>Parses <c>I/N</c> (0 ≤ I &lt; N).</summary>
    public static bool TryParse(string text, out Shard shard)
    {
        shard = All;
        string[] parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out int i) && int.TryParse(parts[1], out int n) && n > 0 && i >= 0 && i < n)
        {
            shard = new Shard(i, n);
            return true;
        }

        return false;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Index}/{Count}";
}

/// <summary>What exploring one scenario against one target found.</summary>
public sealed record ScenarioOutcome(
    IGroupTarget Target,
    Scenario Scenario,
    int Schedules,
    TimeSpan Elapsed,
    string? Bug,
    string? TracePath,
    IReadOnlyList<string> UncontrolledInvocations)
{
    /// <summary>Schedules per second.</summary>
    public double SchedulesPerSecond => Elapsed.TotalSeconds > 0 ? Schedules / Elapsed.TotalSeconds : 0;
}

/// <summary>
/// Explores scenarios against targets under Coyote, checking the invariants on every schedule, and
/// writes every failing schedule to a trace file that <see cref="Replay"/> re-runs exactly.
/// </summary>
/// <remarks>
/// Schedules are explored in batches of <see cref="BatchSize"/>; batch <c>k</c> of shard <c>I/N</c>
/// uses Coyote seed <c>seed + I + k·N</c>, so shards never share a seed and together cover what one
/// machine running all of them would.
/// </remarks>
public static class Explorer
{
    /// <summary>Schedules per Coyote engine run (one seed each).</summary>
    public const int BatchSize = 250;

    /// <summary>
    /// The Coyote test for one schedule of <paramref name="scenario"/> on <paramref name="target"/>
    /// (see <see cref="CreateCheckedTest"/>).
    /// </summary>
    public static Func<Task> CreateTest(IGroupTarget target, Scenario scenario, Action<Timeline>? lastTimeline = null, HangNamer? hangs = null) =>
        CreateCheckedTest(target, scenario.Body, lastTimeline, hangs);

    /// <summary>
    /// A Coyote test that runs <paramref name="body"/> on <paramref name="target"/> with a fresh
    /// checker per schedule, whose violations become Coyote assertion failures, attached to the
    /// library's diagnostics and passed to the target. <paramref name="lastTimeline"/>, if given,
    /// receives each schedule's timeline (replay). Shared by scenarios and generated programs.
    /// </summary>
    public static Func<Task> CreateCheckedTest(IGroupTarget target, Func<ScenarioContext, Task> body, Action<Timeline>? lastTimeline = null, HangNamer? hangs = null) => async () =>
    {
        // The readable timeline is only needed to show a replay; exploring without it is cheaper.
        Timeline? timeline = lastTimeline is null ? null : new Timeline();
        if (timeline is not null)
        {
            lastTimeline!(timeline);
        }

        var checker = new InvariantChecker(v => Specification.Assert(false, "{0}", v.ToString()), timeline);
        hangs?.Track(checker);
        using (TaskGroupDiagnostics.Listen(checker))
        {
            await body(new ScenarioContext(target, checker));
        }
    };

    /// <summary>
    /// The same scenario body as <see cref="CreateTest"/>, run by raw Coyote: no checker, no
    /// checking wrapper, no diagnostics listener. Only for measuring the harness's overhead.
    /// </summary>
    public static Func<Task> CreateRawTest(IGroupTarget target, Scenario scenario) => () =>
        scenario.Body(new ScenarioContext(target, new InvariantChecker(), @unchecked: true));

    /// <summary>Explores one scenario on one target; stops at the first bug and writes its trace.</summary>
    public static ScenarioOutcome Explore(
        IGroupTarget target,
        Scenario scenario,
        ExplorationSettings settings,
        Shard shard,
        string outDirectory,
        Action<int>? onProgress = null)
    {
        var hangs = new HangNamer();
        Func<Task> test = CreateTest(target, scenario, hangs: hangs);
        var elapsed = TimeSpan.Zero;
        int explored = 0;
        var uncontrolled = new List<string>();
        for (int batch = 0; explored < settings.Iterations; batch++)
        {
            int iterations = Math.Min(BatchSize, settings.Iterations - explored);
            uint seed = unchecked(settings.Seed + (uint)shard.Index + ((uint)batch * (uint)shard.Count));
            int before = explored;
            ExplorationResult result = SystematicRunner.Explore(
                test,
                settings with { Iterations = iterations, Seed = seed },
                onIteration: i => onProgress?.Invoke(before + (int)i + 1),
                nameBug: hangs.Name);
            explored += result.Schedules;
            elapsed += result.Elapsed;
            uncontrolled.AddRange(result.UncontrolledInvocations);
            if (result.FoundBug)
            {
                string bug = result.Bugs[0];
                string path = TraceFile.Write(outDirectory, new TraceFile(target.Name, scenario.Name, bug, seed, settings.Strategy, result.ReproducibleTrace!));
                return new ScenarioOutcome(target, scenario, explored, elapsed, bug, path, uncontrolled);
            }

            if (result.Schedules == 0)
            {
                break; // Coyote had nothing left to explore
            }
        }

        return new ScenarioOutcome(target, scenario, explored, elapsed, Bug: null, TracePath: null, uncontrolled);
    }

    /// <summary>Re-runs the schedule in <paramref name="trace"/>; returns what happened and the timeline.</summary>
    public static (ExplorationResult Result, Timeline? Timeline) Replay(TraceFile trace)
    {
        IGroupTarget target = TargetCatalog.Find(trace.Target)
            ?? throw new TraceFileException($"the trace names target '{trace.Target}', which this harness does not have");
        if (trace.Program is not null)
        {
            return Programs.ProgramExplorer.Replay(target, trace);
        }

        Scenario scenario = ScenarioCatalog.Find(trace.Scenario)
            ?? throw new TraceFileException($"the trace names scenario '{trace.Scenario}', which this harness does not have");
        Timeline? timeline = null;
        var hangs = new HangNamer();
        ExplorationResult result = SystematicRunner.Replay(CreateTest(target, scenario, t => timeline = t, hangs), trace.CoyoteTrace, nameBug: hangs.Name);
        return (result, timeline);
    }
}
