using System.CommandLine;
using Spectre.Console;
using TaskGroups.Harness.Programs;
using TaskGroups.Harness.Scenarios;
using TaskGroups.Harness.Targets;
using TaskGroups.Verification;
using TaskGroups.Verification.Engine;

namespace TaskGroups.Harness.Cli;

/// <summary>The verbs: <c>list</c>, <c>explore</c>, <c>replay</c>, <c>properties</c>.</summary>
internal static class Commands
{
    /// <summary>The targets the verbs know: the real group and the seed ports.</summary>
    internal static TargetRegistry Targets { get; } = ZooTargets.Registry;

    /// <summary>The scenarios the verbs know: the built-in corpus.</summary>
    internal static ScenarioRegistry Scenarios { get; } = ScenarioRegistry.BuiltIn;

    public static RootCommand Create()
    {
        var root = new RootCommand("TaskGroups harness: explores task-group programs under Coyote's systematic scheduler, checks the spec's invariants on every schedule, and replays failing schedules exactly.");
        root.Subcommands.Add(ListCommand());
        root.Subcommands.Add(ExploreCommand());
        root.Subcommands.Add(ReplayCommand());
        root.Subcommands.Add(ThroughputCommand());
        root.Subcommands.Add(PropertiesCommand.Create());
        root.Subcommands.Add(ZooCommand.Create());
        return root;
    }

    private static Command ListCommand()
    {
        var command = new Command("list", "List the targets and the scenarios.");
        command.SetAction(_ =>
        {
            var targets = new Table().Title("targets").AddColumns("name", "description");
            foreach (IGroupTarget t in Targets.All)
            {
                targets.AddRow(Markup.Escape(t.Name), Markup.Escape(t.Description));
            }

            var scenarios = new Table().Title("scenarios").AddColumns("name", "invariants", "description");
            foreach (Scenario s in Scenarios.All)
            {
                scenarios.AddRow(Markup.Escape(s.Name), string.Join(",", s.Invariants), Markup.Escape(s.Description));
            }

            Output.Console.Write(targets);
            Output.Console.Write(scenarios);
            return ExitCodes.NoBug;
        });
        return command;
    }

    private static Command ExploreCommand()
    {
        var target = new Option<string>("--target") { Description = "Target to explore (see list).", DefaultValueFactory = _ => "taskgroup" };
        var scenario = new Option<string?>("--scenario") { Description = "One scenario (default: all)." };
        var iterations = new Option<int>("--iterations", "-i") { Description = "Schedules to explore per scenario (per shard).", DefaultValueFactory = _ => 1000 };
        var seed = new Option<uint>("--seed") { Description = "Base Coyote seed.", DefaultValueFactory = _ => 0 };
        var strategy = new Option<string>("--strategy") { Description = "random | pct | probabilistic | portfolio", DefaultValueFactory = _ => "random" };
        var outDir = new Option<string>("--out") { Description = "Directory for trace files of failing schedules.", DefaultValueFactory = _ => "harness-out" };
        var shard = new Option<string>("--shard") { Description = "I/N: explore only shard I of N (seeds are disjoint across shards).", DefaultValueFactory = _ => "0/1" };
        var command = new Command("explore", "Explore scenarios under Coyote and check the invariants on every schedule.")
        {
            target, scenario, iterations, seed, strategy, outDir, shard,
        };
        command.SetAction(parse =>
        {
            IGroupTarget t = ParseTarget(parse.GetValue(target)!);
            IReadOnlyList<Scenario> scenarios = ParseScenarios(parse.GetValue(scenario));
            int n = parse.GetValue(iterations);
            if (n <= 0)
            {
                throw new UsageException("--iterations must be positive");
            }

            if (!Shard.TryParse(parse.GetValue(shard)!, out Shard s))
            {
                throw new UsageException($"--shard must be I/N with 0 <= I < N, not '{parse.GetValue(shard)}'");
            }

            var settings = new ExplorationSettings(n, parse.GetValue(seed), ParseStrategy(parse.GetValue(strategy)!));
            return Explore(t, scenarios, settings, s, parse.GetValue(outDir)!);
        });
        return command;
    }

    private static int Explore(IGroupTarget target, IReadOnlyList<Scenario> scenarios, ExplorationSettings settings, Shard shard, string outDir)
    {
        EnsureRewritten();
        Output.Console.MarkupLine($"exploring [bold]{Markup.Escape(target.Name)}[/]: {scenarios.Count} scenario(s), {settings.Iterations} schedules each, seed {settings.Seed}, strategy {settings.Strategy.ToString().ToLowerInvariant()}, shard {shard}");
        var outcomes = new List<ScenarioOutcome>();
        Output.WithProgress(scenarios.Select(s => (s.Name, settings.Iterations)).ToList(), (index, report) =>
            outcomes.Add(ScenarioExplorer.Explore(target, scenarios[index], settings, shard, outDir, report)));

        var table = new Table().AddColumns("scenario", "schedules", "seconds", "schedules/s", "bugs");
        foreach (ScenarioOutcome o in outcomes)
        {
            table.AddRow(
                Markup.Escape(o.Scenario.Name),
                o.Schedules.ToString(),
                o.Elapsed.TotalSeconds.ToString("0.00"),
                o.SchedulesPerSecond.ToString("0"),
                o.Bug is null ? "0" : "[red]1[/]");
        }

        int total = outcomes.Sum(o => o.Schedules);
        double seconds = outcomes.Sum(o => o.Elapsed.TotalSeconds);
        table.AddRow("[bold]total[/]", total.ToString(), seconds.ToString("0.00"), (seconds > 0 ? total / seconds : 0).ToString("0"), outcomes.Count(o => o.Bug is not null).ToString());
        Output.Console.Write(table);

        foreach (ScenarioOutcome o in outcomes.Where(o => o.Bug is not null))
        {
            Output.WriteBug(o.Bug!, o.TracePath!);
        }

        foreach (string u in outcomes.SelectMany(o => o.UncontrolledInvocations).Distinct())
        {
            Console.Out.WriteLine($"uncontrolled: {u}");
        }

        return outcomes.Any(o => o.Bug is not null) ? ExitCodes.Bug : ExitCodes.NoBug;
    }

    private static Command ReplayCommand()
    {
        var file = new Argument<string>("file") { Description = "A trace file written by explore or properties." };
        var command = new Command("replay", "Re-run the schedule in a trace file and show it as a per-task timeline.") { file };
        command.SetAction(parse =>
        {
            ScheduleFile trace = ScheduleFile.Read(parse.GetValue(file)!);
            EnsureRewritten();
            (ExplorationResult result, Timeline? timeline) = ReplaySchedule(trace);

            Output.Console.MarkupLine($"replaying [bold]{Markup.Escape(trace.Target)}[/] / {Markup.Escape(trace.Scenario)} (seed {trace.Seed}, {trace.Strategy.ToString().ToLowerInvariant()})");
            if (trace.Kind == ScheduleKind.Program)
            {
                Console.Out.WriteLine(trace.Program);
            }

            if (timeline is not null)
            {
                Output.WriteTimeline(timeline);
            }

            if (!result.FoundBug)
            {
                Console.Out.WriteLine("no bug: the schedule did not reproduce the recorded bug (was the code changed?)");
                Console.Out.WriteLine($"recorded bug: {trace.Bug}");
                return ExitCodes.NoBug;
            }

            Console.Out.WriteLine($"bug: {result.Bugs[0]}");
            if (result.Bugs[0] != trace.Bug)
            {
                Console.Out.WriteLine($"note: the recorded bug was different: {trace.Bug}");
            }

            return ExitCodes.Bug;
        });
        return command;
    }

    private static Command ThroughputCommand()
    {
        var scenario = new Option<string?>("--scenario") { Description = "One scenario (default: all)." };
        var iterations = new Option<int>("--iterations", "-i") { Description = "Schedules per measurement.", DefaultValueFactory = _ => 500 };
        var rounds = new Option<int>("--rounds") { Description = "Interleaved rounds; medians are reported.", DefaultValueFactory = _ => 3 };
        var command = new Command("throughput", "Measure the harness against raw Coyote running the same scenario bodies (taskgroup target, same seeds).")
        {
            scenario, iterations, rounds,
        };
        command.SetAction(parse =>
        {
            IReadOnlyList<Scenario> scenarios = ParseScenarios(parse.GetValue(scenario));
            int n = parse.GetValue(iterations);
            int r = parse.GetValue(rounds);
            if (n <= 0 || r <= 0)
            {
                throw new UsageException("--iterations and --rounds must be positive");
            }

            EnsureRewritten();
            IReadOnlyList<ThroughputRow> rows = ThroughputMeasurement.Measure(TargetRegistry.Real, scenarios, n, r);
            var table = new Table().AddColumns("scenario", "raw Coyote schedules/s", "harness schedules/s", "harness / raw");
            double rawTotal = 0, checkedTotal = 0;
            foreach (ThroughputRow row in rows)
            {
                rawTotal += n / row.RawPerSecond;
                checkedTotal += n / row.CheckedPerSecond;
                table.AddRow(Markup.Escape(row.Scenario), row.RawPerSecond.ToString("0"), row.CheckedPerSecond.ToString("0"), row.Ratio.ToString("0.00"));
            }

            double all = rows.Count * n;
            table.AddRow("[bold]all (time-weighted)[/]", (all / rawTotal).ToString("0"), (all / checkedTotal).ToString("0"), (rawTotal / checkedTotal).ToString("0.00"));
            Output.Console.Write(table);
            return ExitCodes.NoBug;
        });
        return command;
    }

    private static (ExplorationResult, Timeline?) ReplaySchedule(ScheduleFile schedule) => schedule.Kind switch
    {
        ScheduleKind.Scenario => ScenarioExplorer.Replay(schedule, Targets, Scenarios),
        ScheduleKind.Program => ProgramExplorer.Replay(ParseTarget(schedule.Target), schedule),
        _ => throw new UsageException($"this schedule records a test ({schedule.Scenario}); replay it with its test command"),
    };

    internal static IReadOnlyList<Scenario> ParseScenarios(string? name) =>
        name is null
            ? Scenarios.All
            : [Scenarios.Find(name) ?? throw new UsageException($"unknown scenario '{name}'; scenarios: {string.Join(", ", Scenarios.All.Select(s => s.Name))}")];

    internal static IGroupTarget ParseTarget(string name) =>
        Targets.Find(name) ?? throw new UsageException($"unknown target '{name}'; targets: {string.Join(", ", Targets.All.Select(t => t.Name))}");

    internal static SchedulingStrategy ParseStrategy(string name) => name.ToLowerInvariant() switch
    {
        "random" => SchedulingStrategy.Random,
        "pct" => SchedulingStrategy.Pct,
        "probabilistic" => SchedulingStrategy.Probabilistic,
        "portfolio" => SchedulingStrategy.Portfolio,
        _ => throw new UsageException($"unknown strategy '{name}'; strategies: random, pct, probabilistic, portfolio"),
    };

    /// <summary>Refuses to run on un-rewritten copies (exit 2 via <see cref="NotRewrittenException"/>).</summary>
    internal static void EnsureRewritten()
    {
        SystematicRunner.EnsureRewritten(typeof(ScenarioExplorer));
        SystematicRunner.EnsureRewritten(typeof(ProgramExplorer));
    }
}
