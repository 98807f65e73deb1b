using System.CommandLine;
using System.Text.Json.Nodes;
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
                string covers = string.Join(",", s.Invariants) + (s.FeatureRules.Count > 0 ? " + " + string.Join(",", s.FeatureRules.Select(r => r.Slug())) : string.Empty);
                scenarios.AddRow(Markup.Escape(s.Name), covers, Markup.Escape(s.Description + (s.RequiresFeatures ? " [features]" : string.Empty)));
            }

            Output.Console.Write(targets);
            Output.Console.Write(scenarios);
            return ExitCodes.NoBug;
        });
        return command;
    }

    /// <summary>The <c>--verbosity</c> option every exploring verb takes.</summary>
    internal static Option<Verbosity> VerbosityOption() => new("--verbosity", "-v")
    {
        Description = "quiet (bug lines and one summary line) | normal | detailed (also each scenario's schedules and seconds as it finishes).",
        HelpName = "quiet|normal|detailed",
        DefaultValueFactory = _ => Verbosity.Normal,
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
            if (Enum.TryParse(text, ignoreCase: true, out Verbosity v) && Enum.IsDefined(v) && !int.TryParse(text, out _))
            {
                return v;
            }

            result.AddError($"--verbosity must be quiet, normal or detailed, not '{text}'" + Suggestions.DidYouMean(text, ["quiet", "normal", "detailed"]));
            return Verbosity.Normal;
        },
    };

    /// <summary>The <c>--json FILE</c> option every exploring verb takes.</summary>
    internal static Option<string?> JsonOption() => new("--json")
    {
        Description = "Also write a machine-readable summary (schedules, seconds, bugs, schedule files, exit code) to this file.",
        HelpName = "FILE",
    };

    /// <summary>Checks an <c>--out</c> directory before any work starts (and creates it).</summary>
    internal static string ValidateOutDirectory(string path)
    {
        string full = Path.GetFullPath(path);
        if (File.Exists(full))
        {
            throw new UsageException($"--out '{path}' is an existing file; give a directory for the schedule files");
        }

        try
        {
            Directory.CreateDirectory(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--out '{path}' cannot be created: {e.Message}");
        }

        return full;
    }

    internal static IReadOnlyList<Scenario> ParseScenarios(string? name) =>
        name is null
            ? Scenarios.All
            : [Scenarios.Find(name) ?? throw new UsageException(
                $"unknown scenario '{name}'" + Suggestions.DidYouMean(name, Scenarios.All.Select(s => s.Name)) + $" (scenarios: {string.Join(", ", Scenarios.All.Select(s => s.Name))})")];

    /// <summary>The scenarios to explore on <paramref name="target"/>: all that run on it (feature
    /// scenarios only on targets with the features), or the one named, which must run on it.</summary>
    internal static IReadOnlyList<Scenario> ScenariosFor(IGroupTarget target, string? name)
    {
        if (name is null)
        {
            return Scenarios.For(target);
        }

        Scenario one = ParseScenarios(name)[0];
        return one.RunsOn(target)
            ? [one]
            : throw new UsageException($"scenario '{one.Name}' uses the beyond-the-seed features, which target '{target.Name}' does not support");
    }

    private static Command ExploreCommand()
    {
        var target = new Option<string>("--target") { Description = "Target to explore (see list).", DefaultValueFactory = _ => "taskgroup" };
        var scenario = new Option<string?>("--scenario") { Description = "One scenario (default: all)." };
        var iterations = NumberOption.Int("--iterations", "Schedules to explore per scenario (per shard).", () => 1000, 1, "-i");
        var seed = NumberOption.UInt("--seed", "Base Coyote seed.");
        var strategy = new Option<string>("--strategy") { Description = "random | pct | probabilistic | portfolio", DefaultValueFactory = _ => "random" };
        var outDir = new Option<string>("--out") { Description = "Directory for the schedule files (and their HTML timelines) of failing schedules.", HelpName = "DIR", DefaultValueFactory = _ => "harness-out" };
        var shard = new Option<string>("--shard") { Description = "I/N: explore only shard I of N (seeds are disjoint across shards).", DefaultValueFactory = _ => "0/1" };
        var parallel = NumberOption.Int("--parallel", "Coyote engines at once (default: the processor count); results depend on the seed only.", () => Environment.ProcessorCount);
        var verbosity = VerbosityOption();
        var json = JsonOption();
        var command = new Command("explore", "Explore scenarios under Coyote and check the invariants on every schedule.")
        {
            target, scenario, iterations, seed, strategy, outDir, shard, parallel, verbosity, json,
        };
        command.SetAction(parse =>
        {
            // Every input is checked before any work starts.
            IGroupTarget t = ParseTarget(parse.GetValue(target)!);
            IReadOnlyList<Scenario> scenarios = ScenariosFor(t, parse.GetValue(scenario));
            if (!Shard.TryParse(parse.GetValue(shard)!, out Shard s))
            {
                throw new UsageException($"--shard must be I/N with 0 <= I < N, not '{parse.GetValue(shard)}'");
            }

            var settings = new ExplorationSettings(parse.GetValue(iterations), parse.GetValue(seed), ParseStrategy(parse.GetValue(strategy)!));
            string? jsonPath = parse.GetValue(json) is { } j ? RunSummary.Validate(j) : null;
            string dir = ValidateOutDirectory(parse.GetValue(outDir)!);
            return Explore(t, scenarios, settings, s, dir, parse.GetValue(parallel), parse.GetValue(verbosity), jsonPath);
        });
        return command;
    }

    private static int Explore(IGroupTarget target, IReadOnlyList<Scenario> scenarios, ExplorationSettings settings, Shard shard, string outDir, int parallelism, Verbosity verbosity, string? jsonPath)
    {
        EnsureRewritten();
        if (verbosity != Verbosity.Quiet)
        {
            Output.Console.MarkupLine($"exploring [bold]{Markup.Escape(target.Name)}[/]: {scenarios.Count} scenario(s), {settings.Iterations} schedules each, seed {settings.Seed}, strategy {settings.Strategy.ToString().ToLowerInvariant()}, shard {shard}, {parallelism} engine(s)");
        }

        var outcomes = new List<ScenarioOutcome>();
        Output.WithProgress(scenarios.Select(s => (s.Name, settings.Iterations)).ToList(), verbosity, (index, report) =>
        {
            ScenarioOutcome o = ScenarioExplorer.Explore(target, scenarios[index], settings, shard, outDir, report, parallelism, Interruption.Token);
            outcomes.Add(o);
            string detail = $"{o.Schedules} schedules in {o.Elapsed.TotalSeconds:0.00}s";
            return new ProgressResult(o.Bug is not null, detail, o.Bug is null ? null : () => Output.WriteBug(o.Bug, o.TracePath!, o.HtmlPath));
        });

        bool interrupted = Interruption.Requested;
        int total = outcomes.Sum(o => o.Schedules);
        double seconds = outcomes.Sum(o => o.Elapsed.TotalSeconds);
        int bugs = outcomes.Count(o => o.Bug is not null);
        if (verbosity != Verbosity.Quiet)
        {
            var table = new Table().AddColumns("scenario", "schedules", "seconds", "schedules/s", "bugs");
            foreach (ScenarioOutcome o in outcomes)
            {
                table.AddRow(
                    Markup.Escape(o.Scenario.Name) + (interrupted && o == outcomes[^1] && o.Schedules < settings.Iterations && o.Bug is null ? " [yellow](interrupted)[/]" : string.Empty),
                    o.Schedules.ToString(),
                    o.Elapsed.TotalSeconds.ToString("0.00"),
                    o.SchedulesPerSecond.ToString("0"),
                    o.Bug is null ? "0" : "[red]1[/]");
            }

            table.AddRow("[bold]total[/]", total.ToString(), seconds.ToString("0.00"), (seconds > 0 ? total / seconds : 0).ToString("0"), bugs.ToString());
            Output.Console.Write(table);
        }

        string verdict = interrupted
            ? $"interrupted after {outcomes.Count} of {scenarios.Count} scenario(s)"
            : $"{outcomes.Count} scenario(s)";
        Console.Out.WriteLine($"explored {total} schedules in {seconds:0.00}s ({verdict}): {(bugs == 0 ? "no bug" : $"{bugs} bug(s), lines above")}");
        foreach (string u in outcomes.SelectMany(o => o.UncontrolledInvocations).Distinct())
        {
            Console.Out.WriteLine($"uncontrolled: {u}");
        }

        int code = interrupted ? Interruption.ExitCode : bugs > 0 ? ExitCodes.Bug : ExitCodes.NoBug;
        if (jsonPath is not null)
        {
            var summary = new JsonObject
            {
                ["verb"] = "explore",
                ["target"] = target.Name,
                ["seed"] = settings.Seed,
                ["strategy"] = settings.Strategy.ToString().ToLowerInvariant(),
                ["iterations"] = settings.Iterations,
                ["shard"] = shard.ToString(),
                ["schedules"] = total,
                ["seconds"] = Math.Round(seconds, 3),
                ["bugs"] = bugs,
                ["interrupted"] = interrupted,
                ["exitCode"] = code,
                ["scenarios"] = new JsonArray([.. outcomes.Select(o => (JsonNode)new JsonObject
                {
                    ["name"] = o.Scenario.Name,
                    ["schedules"] = o.Schedules,
                    ["seconds"] = Math.Round(o.Elapsed.TotalSeconds, 3),
                    ["bug"] = o.Bug,
                    ["schedule"] = o.TracePath,
                    ["html"] = o.HtmlPath,
                    ["replay"] = o.TracePath is null ? null : Verification.Engine.ReplayCommand.For(o.TracePath),
                })]),
            };
            RunSummary.Write(jsonPath, summary);
        }

        return code;
    }

    private static Command ReplayCommand()
    {
        var file = new Argument<string>("file") { Description = "A trace file written by explore or properties." };
        var html = new Option<string?>("--html") { Description = "Also write the timeline as a self-contained HTML page to this file.", HelpName = "FILE" };
        var assembly = new Option<string?>("--assembly") { Description = "For a schedule recorded by Systematic.Verify in a test: the test assembly (.dll, built and rewritten) to load the test from.", HelpName = "PATH" };
        var command = new Command("replay", "Re-run the schedule in a trace file and show it as a per-task timeline.") { file, html, assembly };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            if (Directory.Exists(path))
            {
                string[] inside = Directory.GetFiles(path, "*.json");
                throw new UsageException($"'{path}' is a directory, not a schedule file" + (inside.Length > 0 ? $" (it holds {inside.Length}, e.g. {Path.GetFileName(inside[0])})" : string.Empty));
            }

            string? htmlPath = parse.GetValue(html);
            if (htmlPath is not null && Directory.Exists(htmlPath))
            {
                throw new UsageException($"--html '{htmlPath}' is a directory; give a file name");
            }

            ScheduleFile trace = ScheduleFile.Read(path);
            string? assemblyPath = parse.GetValue(assembly);
            if (assemblyPath is not null && trace.Kind != ScheduleKind.Test)
            {
                throw new UsageException($"--assembly is only for a schedule recorded by Systematic.Verify; '{path}' records the {trace.Kind.ToString().ToLowerInvariant()} {trace.Scenario}");
            }

            EnsureRewritten();
            (ReplayRun run, Timeline? timeline) = assemblyPath is null ? ReplaySchedule(trace) : AssemblyTestReplay.Replay(trace, assemblyPath);
            ExplorationResult result = run.Result;

            Output.Console.MarkupLine(trace.Kind == ScheduleKind.Test
                ? $"replaying the test [bold]{Markup.Escape(trace.Scenario)}[/] from {Markup.Escape(Path.GetFullPath(assemblyPath!))} (seed {trace.Seed}, {trace.Strategy.ToString().ToLowerInvariant()})"
                : $"replaying [bold]{Markup.Escape(trace.Target)}[/] / {Markup.Escape(trace.Scenario)} (seed {trace.Seed}, {trace.Strategy.ToString().ToLowerInvariant()})");
            if (trace.Kind == ScheduleKind.Program)
            {
                Console.Out.WriteLine(trace.Program);
            }

            if (timeline is not null)
            {
                Output.WriteTimeline(timeline);
            }

            if (htmlPath is not null)
            {
                ScheduleTimeline.Write(htmlPath, trace, parse.GetValue(file)!, result, timeline ?? new Timeline());
                Console.Out.WriteLine($"html: {Path.GetFullPath(htmlPath)}");
            }

            if (run.Diverged)
            {
                // Not a replay any more: whatever happened after the schedule was left proves nothing.
                Console.Out.WriteLine($"diverged at step {run.DivergedAtStep}: the code changed since the schedule was recorded ({run.Detail})");
                Console.Out.WriteLine($"recorded bug: {trace.Bug}");
                return ExitCodes.Diverged;
            }

            if (!result.FoundBug)
            {
                Console.Out.WriteLine("no bug: the schedule replayed completely without the recorded bug (the bug is fixed)");
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
        var iterations = NumberOption.Int("--iterations", "Schedules per measurement.", () => 500, 1, "-i");
        var rounds = NumberOption.Int("--rounds", "Interleaved rounds; medians are reported.", () => 3);
        var command = new Command("throughput", "Measure the harness against raw Coyote running the same scenario bodies (taskgroup target, same seeds).")
        {
            scenario, iterations, rounds,
        };
        command.SetAction(parse =>
        {
            IReadOnlyList<Scenario> scenarios = ParseScenarios(parse.GetValue(scenario));
            int n = parse.GetValue(iterations);
            int r = parse.GetValue(rounds);
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

    private static (ReplayRun, Timeline?) ReplaySchedule(ScheduleFile schedule) => schedule.Kind switch
    {
        ScheduleKind.Scenario => ScenarioExplorer.Replay(schedule, Targets, Scenarios),
        ScheduleKind.Program => ProgramExplorer.Replay(ParseTarget(schedule.Target), schedule),
        _ => throw new UsageException(
            $"this schedule records the test {schedule.Scenario}: add --assembly PATH (the test assembly), or replay it with: "
            + Systematic.ReplayCommand(Path.GetFullPath(schedule.Project is null ? "." : schedule.Project), schedule.Project, schedule.Scenario).Replace(Path.GetFullPath("."), "<your test project>", StringComparison.Ordinal)),
    };

    internal static IGroupTarget ParseTarget(string name) =>
        Targets.Find(name) ?? throw new UsageException(
            $"unknown target '{name}'" + Suggestions.DidYouMean(name, Targets.All.Select(t => t.Name)) + $" (targets: {string.Join(", ", Targets.All.Select(t => t.Name))})");

    internal static SchedulingStrategy ParseStrategy(string name) => name.ToLowerInvariant() switch
    {
        "random" => SchedulingStrategy.Random,
        "pct" => SchedulingStrategy.Pct,
        "probabilistic" => SchedulingStrategy.Probabilistic,
        "portfolio" => SchedulingStrategy.Portfolio,
        _ => throw new UsageException($"unknown strategy '{name}'" + Suggestions.DidYouMean(name, ["random", "pct", "probabilistic", "portfolio"]) + " (strategies: random, pct, probabilistic, portfolio)"),
    };

    /// <summary>Refuses to run on un-rewritten copies (exit 2 via <see cref="NotRewrittenException"/>).</summary>
    internal static void EnsureRewritten()
    {
        SystematicRunner.EnsureRewritten(typeof(ScenarioExplorer));
        SystematicRunner.EnsureRewritten(typeof(ProgramExplorer));
    }
}
