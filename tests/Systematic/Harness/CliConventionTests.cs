using System.Diagnostics;
using System.Text.Json.Nodes;
using TaskGroups.Testing;
using Xunit;

namespace TaskGroups.Systematic.Harness;

/// <summary>
/// The CLI's conventions, run as a user runs the CLI (its own process, from another directory):
/// every input checked before work starts, with one line in words and a suggestion for a typo;
/// help that names the real command and lists the exit codes; --version equal to the package
/// version; --json and --verbosity; Ctrl-C; the replay command that works from any directory; the
/// HTML timeline next to every schedule found.
/// </summary>
public sealed class CliConventionTests : IDisposable
{
    private static readonly Dictionary<string, string> s_noEnvironment = [];

    private readonly string _work = Path.Combine(Path.GetTempPath(), "taskgroups-cli", Guid.NewGuid().ToString("N"));

    public CliConventionTests() => Directory.CreateDirectory(_work);

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private CliResult Run(params string[] args) => HarnessCli.RunIn(_work, s_noEnvironment, args);

    private static string OneErrorLine(CliResult r)
    {
        Assert.True(r.Code == 2, r.ToString());
        Assert.Empty(r.Out.Trim());
        string line = Assert.Single(r.ErrLines);
        Assert.StartsWith("error: ", line);
        Assert.DoesNotContain("System.", line);
        Assert.DoesNotContain("   at ", r.Err);
        return line;
    }

    [Theory]
    [InlineData("did you mean 'explore'", "explor")]
    [InlineData("did you mean 'replay'", "rplay", "x.json")]
    [InlineData("did you mean '--iterations'", "explore", "--iteratons", "5")]
    [InlineData("did you mean '--schedules'", "properties", "--schedule", "5")]
    [InlineData("did you mean 'seed-cancellable'", "explore", "--target", "seed-cancelable")]
    [InlineData("did you mean 'seed-jobs-and-daemon'", "explore", "--scenario", "seed-jobs-and-demon")]
    [InlineData("did you mean 'pct'", "explore", "--strategy", "pctt")]
    [InlineData("did you mean 'quiet'", "explore", "--verbosity", "quite")]
    [InlineData("did you mean 'seed-manual-list'", "properties", "--target", "seed-manual")]
    public void Typo_OneLineWithSuggestion_ExitTwo(string suggestion, params string[] args) =>
        Assert.Contains(suggestion, OneErrorLine(Run(args)));

    [Fact]
    public void UnknownScenario_ListsTheScenarios() =>
        Assert.Contains("scenarios: seed-jobs-and-daemon,", OneErrorLine(Run("explore", "--scenario", "nope")));

    [Fact]
    public void FeatureScenarioOnATargetWithoutTheFeatures_RefusedInOneLine() =>
        Assert.Contains("scenario 'limit-order' uses the beyond-the-seed features, which target 'seed-cancellable' does not support",
            OneErrorLine(Run("explore", "--target", "seed-cancellable", "--scenario", "limit-order")));

    [Fact]
    public void NoVerb_ListsTheVerbs() => Assert.Contains("verbs: list, explore, replay", OneErrorLine(Run()));

    [Theory]
    [InlineData("--iterations must be a whole number of at least 1, not 'ten'", "explore", "--iterations", "ten")]
    [InlineData("--iterations must be a whole number of at least 1, not '0'", "explore", "--iterations", "0")]
    [InlineData("--seed must be a whole number from 0 to 4294967295, not '-1'", "explore", "--seed", "-1")]
    [InlineData("--seed must be a whole number from 0 to 4294967295, not '99999999999'", "explore", "--seed", "99999999999")]
    [InlineData("--count must be a whole number of at least 1, not '1.5'", "properties", "--count", "1.5")]
    [InlineData("--rounds must be a whole number of at least 1, not 'x'", "throughput", "--rounds", "x")]
    [InlineData("'replay' needs its argument: replay FILE", "replay")]
    public void BadValue_SaysWhatIsExpectedInWords(string message, params string[] args) =>
        Assert.Contains(message, OneErrorLine(Run(args)));

    [Fact]
    public void OutIsAnExistingFile_RejectedBeforeExploring()
    {
        string file = Path.Combine(_work, "a-file");
        File.WriteAllText(file, "x");
        var clock = Stopwatch.StartNew();
        string line = OneErrorLine(Run("explore", "--target", "seed-cancellable", "--out", file));
        Assert.Contains("is an existing file", line);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}: explored first?");
    }

    [Fact]
    public void JsonIsADirectory_RejectedBeforeExploring() =>
        Assert.Contains("is a directory", OneErrorLine(Run("explore", "--json", _work)));

    [Fact]
    public void BadEnvironmentVariable_RejectedBeforeWork()
    {
        CliResult r = HarnessCli.RunIn(_work, new Dictionary<string, string> { ["TASKGROUPS_SCHEDULES"] = "lots" }, "properties", "--count", "1");
        Assert.Contains("TASKGROUPS_SCHEDULES must be a whole number of at least 1, not 'lots'", OneErrorLine(r));
    }

    [Fact]
    public void ReplayOfADirectory_SaysItIsADirectory() =>
        Assert.Contains("is a directory, not a schedule file", OneErrorLine(Run("replay", _work)));

    [Fact]
    public void Help_NamesTheRealCommandAndListsExitCodes()
    {
        foreach (string[] args in new[] { new[] { "--help" }, new[] { "explore", "--help" } })
        {
            CliResult r = Run(args);
            Assert.True(r.Code == 0, r.ToString());
            Assert.DoesNotContain("  Harness ", r.Out);
            Assert.Contains($"--project {Path.Combine(HarnessCli.RepositoryRoot, "src", "Harness")} --", r.Out);
            Assert.Contains("Exit codes:", r.Out);
            foreach (string code in new[] { "0", "1", "2", "3", "130" })
            {
                Assert.Contains(r.Lines, l => l.TrimStart().StartsWith(code + " ", StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public void Version_IsThePackageVersion()
    {
        string project = File.ReadAllText(Path.Combine(HarnessCli.RepositoryRoot, "src", "Harness", "Harness.csproj"));
        string version = System.Text.RegularExpressions.Regex.Match(project, "<Version>([^<]+)</Version>").Groups[1].Value;
        Assert.NotEmpty(version);
        CliResult r = Run("--version");
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal(version, r.Out.Trim());
    }

    [Fact]
    public void Explore_FromAnotherDirectory_JsonQuietHtmlAndAReplayCommandThatWorksAnywhere()
    {
        string json = Path.Combine(_work, "summary.json");
        CliResult r = Run("explore", "--target", "seed-cancellable", "--scenario", "seed-jobs-and-daemon", "--seed", "7", "--iterations", "200",
            "--out", "found", "--json", json, "--verbosity", "quiet");
        Assert.True(r.Code == 1, r.ToString());
        Assert.DoesNotContain("┌", r.Out); // quiet: no table
        string bug = Assert.Single(r.Lines, l => l.StartsWith("bug: ", StringComparison.Ordinal));
        string schedule = Assert.Single(r.Lines, l => l.StartsWith("schedule: ", StringComparison.Ordinal))["schedule: ".Length..];
        string replay = Assert.Single(r.Lines, l => l.StartsWith("replay: ", StringComparison.Ordinal))["replay: ".Length..];
        string html = Assert.Single(r.Lines, l => l.StartsWith("html: ", StringComparison.Ordinal))["html: ".Length..];
        Assert.True(Path.IsPathRooted(schedule) && File.Exists(schedule), schedule);
        Assert.StartsWith(Path.Combine(_work, "found"), schedule); // --out relative to the working directory

        // The summary: what CI reads.
        JsonNode summary = JsonNode.Parse(File.ReadAllText(json))!;
        Assert.Equal(1, (int)summary["bugs"]!);
        Assert.Equal(1, (int)summary["exitCode"]!);
        Assert.True((int)summary["schedules"]! >= 1);
        JsonNode scenario = Assert.Single(summary["scenarios"]!.AsArray())!;
        Assert.Equal(schedule, (string)scenario["schedule"]!);
        Assert.Equal(bug, "bug: " + (string)scenario["bug"]!);
        Assert.Equal(replay, (string)scenario["replay"]!);

        // The HTML page next to the schedule: lanes with roles, the cancel helper, the violation.
        string page = File.ReadAllText(html);
        Assert.Equal(Path.ChangeExtension(schedule, ".html"), html);
        Assert.Contains("data-role=\"cancel helper of g1", page);
        Assert.Contains("id=\"violation\"", page);
        Assert.DoesNotContain("<script", page);
        Assert.DoesNotContain("http", page);

        // The printed command, pasted in another directory, prints the identical bug line.
        string elsewhere = Directory.CreateDirectory(Path.Combine(_work, "elsewhere")).FullName;
        CliResult replayed = HarnessCli.RunShell(elsewhere, replay);
        Assert.True(replayed.Code == 1, replayed.ToString());
        Assert.Equal(bug, Assert.Single(replayed.Lines, l => l.StartsWith("bug: ", StringComparison.Ordinal)));
        Assert.Contains(replayed.Lines, l => l.Contains("cancel helper of g1", StringComparison.Ordinal));
        Assert.Contains(replayed.Lines, l => l.Contains("g1's token is still NOT cancelled", StringComparison.Ordinal));
    }

    [Fact]
    public void Replay_Html_WritesTheTimelinePage()
    {
        CliResult found = Run("explore", "--target", "seed-cancellable", "--scenario", "seed-jobs-and-daemon", "--seed", "7", "--iterations", "200", "--out", _work);
        string schedule = Assert.Single(found.Lines, l => l.StartsWith("schedule: ", StringComparison.Ordinal))["schedule: ".Length..];
        string html = Path.Combine(_work, "page.html");

        CliResult r = Run("replay", schedule, "--html", html);
        Assert.True(r.Code == 1, r.ToString());
        Assert.Contains($"html: {html}", r.Lines);
        string page = File.ReadAllText(html);
        Assert.Contains("<th class=\"lane helper\" data-lane=\"g1/child 3\"", page);
        Assert.Contains("id=\"bug\" class=\"bug\">bug: invariant 7", page);
        Assert.Contains("id=\"command\"", page);
    }

    [Fact]
    public async Task CtrlC_PrintsThePartialTable_ExitsWith130()
    {
        // A foreground job in a terminal gets SIGINT with the default disposition; a process started
        // from a non-interactive shell's background job inherits "ignore SIGINT". Reset it the way a
        // terminal's shell would (python3 is part of the machine's Debian base).
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _work };
        foreach (string a in new[]
        {
            "-c", "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])",
            "dotnet", Path.Combine(HarnessCli.Directory, "Harness.dll"), "explore", "--iterations", "1000000", "--out", _work,
        })
        {
            info.ArgumentList.Add(a);
        }

        using Process p = Process.Start(info)!;
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        string first = await p.StandardOutput.ReadLineAsync() ?? string.Empty; // "exploring …": the handler is installed
        Assert.StartsWith("exploring", first);
        using (Process kill = Process.Start("kill", ["-INT", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        string rest = await p.StandardOutput.ReadToEndAsync(timeout.Token);
        await p.WaitForExitAsync(timeout.Token);
        string all = first + "\n" + rest, errors = await stderr;
        Assert.True(p.ExitCode == 130, $"exit {p.ExitCode}\n{all}\n{errors}");
        Assert.Contains("interrupted", errors);
        Assert.Contains("│ total", all);            // the partial table
        Assert.Contains("schedules in", all);
        Assert.Contains("(interrupted after ", all); // the summary says how far it got
        Assert.DoesNotContain("   at ", errors);
    }
}
