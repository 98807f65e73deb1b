using Microsoft.Coyote.Specifications;
using TaskGroups.Harness.Targets;
using TaskGroups.Verification;
using TaskGroups.Verification.Engine;

namespace TaskGroups.Harness.Scenarios;

/// <summary>
/// Explores scenarios against targets under Coyote, checking the invariants on every schedule, and
/// writes every failing schedule to a trace file that <see cref="Replay"/> re-runs exactly.
/// </summary>
/// <remarks>
/// Schedules are explored in batches of <see cref="BatchSize"/>; batch <c>k</c> of shard <c>I/N</c>
/// uses Coyote seed <c>seed + I + k·N</c>, so shards never share a seed and together cover what one
/// machine running all of them would.
/// </remarks>
public static class ScenarioExplorer
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
    public static Func<Task> CreateCheckedTest(IGroupTarget target, Func<CheckedContext, Task> body, Action<Timeline>? lastTimeline = null, HangNamer? hangs = null) => async () =>
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
            await body(new CheckedContext(target, checker));
        }
    };

    /// <summary>
    /// The same scenario body as <see cref="CreateTest"/>, run by raw Coyote: no checker, no
    /// checking wrapper, no diagnostics listener. Only for measuring the harness's overhead.
    /// </summary>
    public static Func<Task> CreateRawTest(IGroupTarget target, Scenario scenario) => () =>
        scenario.Body(new CheckedContext(target, new InvariantChecker(), @unchecked: true));

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
                string path = ScheduleFile.Write(outDirectory, new ScheduleFile(target.Name, scenario.Name, bug, seed, settings.Strategy, result.ReproducibleTrace!));
                return new ScenarioOutcome(target, scenario, explored, elapsed, bug, path, uncontrolled);
            }

            if (result.Schedules == 0)
            {
                break; // Coyote had nothing left to explore
            }
        }

        return new ScenarioOutcome(target, scenario, explored, elapsed, Bug: null, TracePath: null, uncontrolled);
    }

    /// <summary>
    /// Re-runs the schedule in <paramref name="schedule"/> (a scenario's) on the target and scenario
    /// it names, looked up in <paramref name="targets"/> and <paramref name="scenarios"/>; returns what
    /// happened and the timeline. Throws <see cref="ScheduleFileException"/> when the file names a
    /// target or scenario this run does not have.
    /// </summary>
    public static (ExplorationResult Result, Timeline? Timeline) Replay(ScheduleFile schedule, TargetRegistry targets, ScenarioRegistry scenarios)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(scenarios);
        IGroupTarget target = targets.Find(schedule.Target)
            ?? throw new ScheduleFileException($"the schedule names target '{schedule.Target}', which this harness does not have");
        Scenario scenario = scenarios.Find(schedule.Scenario)
            ?? throw new ScheduleFileException($"the schedule names scenario '{schedule.Scenario}', which this harness does not have");
        Timeline? timeline = null;
        var hangs = new HangNamer();
        ExplorationResult result = SystematicRunner.Replay(CreateTest(target, scenario, t => timeline = t, hangs), schedule.CoyoteTrace, nameBug: hangs.Name);
        return (result, timeline);
    }
}
