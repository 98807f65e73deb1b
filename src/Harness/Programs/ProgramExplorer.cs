using TaskGroups.Harness.Scenarios;
using TaskGroups.Harness.Targets;
using TaskGroups.Verification;
using TaskGroups.Verification.Engine;

namespace TaskGroups.Harness.Programs;

/// <summary>Explores generated programs under Coyote, and replays their traces.</summary>
public static class ProgramExplorer
{
    /// <summary>The trace's scenario name for generated programs.</summary>
    public const string ScenarioName = "program";

    /// <summary>
    /// The Coyote test for one schedule of <paramref name="program"/> on <paramref name="target"/>:
    /// a fresh checker (violations become Coyote assertion failures) and the program's interpreter,
    /// which checks every outcome against the reference model.
    /// </summary>
    /// <exception cref="ArgumentException">The program uses feature operations and the target is not an <see cref="IFeatureTarget"/>.</exception>
    public static Func<Task> CreateTest(IGroupTarget target, TaskProgram program, Action<Timeline>? lastTimeline = null, HangNamer? hangs = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(program);
        if (program.UsesFeatures && target is not IFeatureTarget)
        {
            throw new ArgumentException($"target '{target.Name}' does not support the feature operations of {program}", nameof(program));
        }

        ProgramModel model = ProgramModel.Of(program); // pure and shared: computed once, read by every schedule
        return ScenarioExplorer.CreateCheckedTest(target, ctx => ProgramInterpreter.RunAsync(ctx, model), lastTimeline, hangs);
    }

    /// <summary>The Coyote seed for <paramref name="program"/>: its stable hash mixed with
    /// <paramref name="baseSeed"/>, so that the same program and base seed explore the same schedules.</summary>
    public static uint SeedFor(TaskProgram program, uint baseSeed) => unchecked(program.StableHash() ^ (baseSeed * 2654435761u));

    /// <summary>Explores <paramref name="schedules"/> schedules of <paramref name="program"/> (strict
    /// mode) on <paramref name="parallelism"/> engines; stops at the first bug. The outcome's seed is the
    /// one of the engine that found it (what its schedule file records).</summary>
    public static ProgramOutcome Explore(IGroupTarget target, TaskProgram program, int schedules, uint baseSeed, int parallelism = 1)
    {
        uint seed = SeedFor(program, baseSeed);
        ExplorationResult result = SystematicRunner.ExploreEachEngine(
            _ =>
            {
                // One hang namer per engine: it remembers the schedule now running on it.
                var hangs = new HangNamer();
                return (CreateTest(target, program, hangs: hangs), hangs.Name);
            },
            new ExplorationSettings(schedules, seed),
            parallelism);
        return new ProgramOutcome(program, result.Seed, result);
    }

    /// <summary>Writes the failing schedule of <paramref name="outcome"/> to a trace file that carries the
    /// program, and its HTML timeline next to it (<see cref="ScheduleTimeline.HtmlPathFor"/>).</summary>
    public static string WriteTrace(string directory, IGroupTarget target, ProgramOutcome outcome)
    {
        var schedule = new ScheduleFile(
            target.Name, ScenarioName, outcome.Bug!, outcome.Seed, SchedulingStrategy.Random, outcome.Result.ReproducibleTrace!, outcome.Program.ToString());
        string path = ScheduleFile.Write(directory, schedule);
        _ = ScheduleTimeline.WriteNextTo(path, schedule, s =>
        {
            (ReplayRun run, Timeline? timeline) = Replay(target, s);
            return (run.Result, timeline);
        });
        return path;
    }

    /// <summary>Replays a trace written by <see cref="WriteTrace"/>.</summary>
    public static (ReplayRun Run, Timeline? Timeline) Replay(IGroupTarget target, ScheduleFile trace)
    {
        TaskProgram program;
        try
        {
            program = TaskProgram.Parse(trace.Program!);
        }
        catch (ProgramFormatException e)
        {
            throw new ScheduleFileException($"the trace's program cannot be read: {e.Message}");
        }

        Timeline? timeline = null;
        var hangs = new HangNamer();
        ReplayRun run = SystematicRunner.ReplayChecked(CreateTest(target, program, t => timeline = t, hangs), trace.CoyoteTrace, trace.MaxSteps, hangs.Name);
        return (run, timeline);
    }
}
