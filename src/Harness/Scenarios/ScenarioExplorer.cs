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
        Action<int>? onProgress = null,
        int parallelism = 1,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parallelism);
        var started = System.Diagnostics.Stopwatch.StartNew();
        int explored = 0;
        int progress = 0;
        var uncontrolled = new List<string>();
        int batchCount = (settings.Iterations + BatchSize - 1) / BatchSize;

        // Batches run in waves of `parallelism` engines (one thread each). Batch k always has the same
        // seed and size, and a wave's bug is the lowest-numbered batch's, so the outcome depends on the
        // seed (and the parallelism only through how many schedules a bug's wave explored), never on timing.
        // Cancellation (Ctrl-C) stops between waves and inside one (each engine stops after its current schedule).
        for (int first = 0; first < batchCount && !cancellation.IsCancellationRequested; first += parallelism)
        {
            int waveSize = Math.Min(parallelism, batchCount - first);
            var results = new ExplorationResult[waveSize];
            var seeds = new uint[waveSize];
            Exception? failure = null;
            var threads = new Thread[waveSize];
            for (int w = 0; w < waveSize; w++)
            {
                int batch = first + w;
                int slot = w;
                int iterations = Math.Min(BatchSize, settings.Iterations - (batch * BatchSize));
                seeds[slot] = unchecked(settings.Seed + (uint)shard.Index + ((uint)batch * (uint)shard.Count));
                threads[w] = new Thread(() =>
                {
                    try
                    {
                        // One hang namer per engine: it remembers the schedule now running on it.
                        var hangs = new HangNamer();
                        results[slot] = SystematicRunner.Explore(
                            CreateTest(target, scenario, hangs: hangs),
                            settings with { Iterations = iterations, Seed = seeds[slot] },
                            onIteration: _ => onProgress?.Invoke(Interlocked.Increment(ref progress)),
                            cancellation,
                            hangs.Name);
                    }
                    catch (Exception e)
                    {
                        Interlocked.CompareExchange(ref failure, e, null);
                    }
                }) { IsBackground = true, Name = $"taskgroups-explore-{slot}" };
                threads[w].Start();
            }

            foreach (Thread t in threads)
            {
                t.Join();
            }

            if (failure is not null)
            {
                throw new InvalidOperationException($"exploring {scenario.Name} failed: {failure.Message}", failure);
            }

            for (int w = 0; w < waveSize; w++)
            {
                explored += results[w].Schedules;
                uncontrolled.AddRange(results[w].UncontrolledInvocations);
            }

            int found = Array.FindIndex(results, r => r.FoundBug);
            if (found >= 0)
            {
                ExplorationResult result = results[found];
                string bug = result.Bugs[0];
                var schedule = new ScheduleFile(target.Name, scenario.Name, bug, seeds[found], settings.Strategy, result.ReproducibleTrace!)
                {
                    MaxSteps = settings.MaxSteps,
                    Fingerprint = ScheduleFile.FingerprintOf([typeof(TaskGroup).Assembly, target.GetType().Assembly]),
                };
                string path = ScheduleFile.Write(outDirectory, schedule);
                string html = ScheduleTimeline.WriteNextTo(path, schedule, s => ReplayWithTimeline(target, scenario, s));
                return new ScenarioOutcome(target, scenario, explored, started.Elapsed, bug, path, uncontrolled, html);
            }

            if (results.All(r => r.Schedules == 0))
            {
                break; // Coyote had nothing left to explore
            }
        }

        return new ScenarioOutcome(target, scenario, explored, started.Elapsed, Bug: null, TracePath: null, uncontrolled);
    }

    /// <summary>
    /// Re-runs the schedule in <paramref name="schedule"/> (a scenario's) on the target and scenario
    /// it names, looked up in <paramref name="targets"/> and <paramref name="scenarios"/>; returns what
    /// happened and the timeline. Throws <see cref="ScheduleFileException"/> when the file names a
    /// target or scenario this run does not have.
    /// </summary>
    public static (ReplayRun Run, Timeline? Timeline) Replay(ScheduleFile schedule, TargetRegistry targets, ScenarioRegistry scenarios)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(scenarios);
        IGroupTarget target = targets.Find(schedule.Target)
            ?? throw new ScheduleFileException($"the schedule names target '{schedule.Target}', which this harness does not have");
        Scenario scenario = scenarios.Find(schedule.Scenario)
            ?? throw new ScheduleFileException($"the schedule names scenario '{schedule.Scenario}', which this harness does not have");
        return ReplayChecked(target, scenario, schedule);
    }

    private static (ReplayRun Run, Timeline? Timeline) ReplayChecked(IGroupTarget target, Scenario scenario, ScheduleFile schedule)
    {
        Timeline? timeline = null;
        var hangs = new HangNamer();
        ReplayRun run = SystematicRunner.ReplayChecked(CreateTest(target, scenario, t => timeline = t, hangs), schedule.CoyoteTrace, schedule.MaxSteps, hangs.Name);
        return (run, timeline);
    }

    private static (ExplorationResult Result, Timeline? Timeline) ReplayWithTimeline(IGroupTarget target, Scenario scenario, ScheduleFile schedule)
    {
        (ReplayRun run, Timeline? timeline) = ReplayChecked(target, scenario, schedule);
        return (run.Result, timeline);
    }
}
