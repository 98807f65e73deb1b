using System.CommandLine;
using Spectre.Console;
using TaskGroups.Harness.Programs;
using TaskGroups.Harness.Targets;
using TaskGroups.Verification.Engine;

namespace TaskGroups.Harness.Cli;

/// <summary>
/// <c>properties</c>: FsCheck generates task-group programs, Coyote explores each over K schedules
/// (model agreement and invariants 1–7 on every schedule), and a failure is shrunk to a minimal
/// program, printed as a ready-to-paste xunit test, with a trace that <c>replay</c> reproduces.
/// </summary>
internal static class PropertiesCommand
{
    public static Command Create()
    {
        var target = new Option<string>("--target") { Description = "Target to check (see list).", DefaultValueFactory = _ => "taskgroup" };
        var count = NumberOption.Int("--count", "Programs to generate.", () => 100, 1, "-n");
        var seed = NumberOption.UInt("--seed", "FsCheck seed, also mixed into each program's Coyote seed: the same seed reproduces the whole run.");
        var schedules = NumberOption.Int("--schedules", $"Schedules explored per program (default: {Schedules.EnvironmentVariable} or 100).", () => Schedules.Count(100), 1, "-k");
        var outDir = new Option<string>("--out") { Description = "Directory for the schedule file (and HTML timeline) of a counterexample.", HelpName = "DIR", DefaultValueFactory = _ => "harness-out" };
        var parallel = NumberOption.Int("--parallel", "Coyote engines exploring each program's schedules at once (default: the processor count); the seed and this number reproduce the run.", () => Environment.ProcessorCount);
        var command = new Command("properties", "Check generated programs against the reference model and the invariants under Coyote; shrink a failure to a minimal program.")
        {
            target, count, seed, schedules, outDir, parallel,
        };
        command.SetAction(parse =>
        {
            IGroupTarget t = Commands.ParseTarget(parse.GetValue(target)!);
            string dir = Commands.ValidateOutDirectory(parse.GetValue(outDir)!);
            return Run(t, new PropertySettings(parse.GetValue(count), parse.GetValue(seed), parse.GetValue(schedules), parse.GetValue(parallel)), dir);
        });
        return command;
    }

    private static int Run(IGroupTarget target, PropertySettings settings, string outDir)
    {
        Commands.EnsureRewritten();
        Output.Console.MarkupLine($"checking [bold]{Markup.Escape(target.Name)}[/]: {settings.Count} generated programs, {settings.Schedules} schedules each, seed {settings.Seed}, {settings.Parallelism} engine(s)");
        PropertyReport report = null!;
        Output.WithProgress([("programs", settings.Count)], Verbosity.Normal, (_, progress) =>
        {
            report = ProgramProperties.Check(target, settings, progress);
            return new ProgressResult(report.Counterexample is not null, $"{report.ProgramsTested} programs", PrintBug: null);
        });

        Console.Out.WriteLine(
            $"programs: {report.ProgramsTested} generated, {report.ProgramsExplored} explored (shrinking included), {report.SchedulesExplored} schedules in {report.Elapsed.TotalSeconds:0.0}s ({report.ProgramsPerSecond:0.0} programs/s)");
        if (report.Counterexample is not { } counterexample)
        {
            Console.Out.WriteLine($"no bug: every program met the specification on every explored schedule");
            return ExitCodes.NoBug;
        }

        ProgramOutcome shrunk = counterexample.Shrunk;
        string trace = ProgramExplorer.WriteTrace(outDir, target, shrunk);
        Console.Out.WriteLine($"falsified after {report.ProgramsTested} program(s); shrunk in {counterexample.ShrinkSteps} step(s) from {counterexample.Original.OperationCount} operations");
        Console.Out.WriteLine();
        Console.Out.WriteLine(ProgramProperties.ToXunitTest(target, counterexample, settings));
        Console.Out.WriteLine();
        Console.Out.WriteLine($"program: {shrunk.Program}");
        Console.Out.WriteLine($"counterexample: {shrunk.Program.OperationCount} operations");
        Output.WriteBug(shrunk.Bug!, trace, ScheduleTimeline.HtmlPathFor(trace));
        return ExitCodes.Bug;
    }
}
