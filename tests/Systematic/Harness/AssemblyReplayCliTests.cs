using TaskGroups.Testing;
using TaskGroups.Verification;
using Xunit;

namespace TaskGroups.Systematic.Harness;

/// <summary>
/// <c>replay FILE --assembly PATH</c>: a schedule recorded by <c>Systematic.Verify</c> in a test assembly
/// replays through the CLI to the identical bug line; a missing assembly, one without the test, one not
/// rewritten, and <c>--assembly</c> on another kind of schedule are one-line errors, exit 2.
/// </summary>
public sealed class AssemblyReplayCliTests : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "taskgroups-cli-assembly", Guid.NewGuid().ToString("N"));

    public AssemblyReplayCliTests() => Directory.CreateDirectory(_work);

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static string ThisAssembly => typeof(AssemblyReplaySubject).Assembly.Location;

    /// <summary>Records the subject's schedule (as its test run would) and returns it with its bug line.</summary>
    private (string Schedule, string Bug) Record()
    {
        AssemblyReplaySubject.OutputDirectory = _work;
        SystematicTestException found = Assert.Throws<SystematicTestException>(() => new AssemblyReplaySubject().LostUpdate());
        return (found.SchedulePath!, found.Message.Split('\n')[0]);
    }

    [Fact]
    public void Replay_TestScheduleFromItsAssembly_ReproducesTheIdenticalBugLine()
    {
        (string schedule, string bug) = Record();
        CliResult r = HarnessCli.Run("replay", schedule, "--assembly", ThisAssembly);
        Assert.True(r.Code == 1, r.ToString());
        Assert.Equal(bug, Assert.Single(r.Lines, l => l.StartsWith("bug: ", StringComparison.Ordinal)));
        Assert.Contains($"replaying the test {typeof(AssemblyReplaySubject).FullName}.{nameof(AssemblyReplaySubject.LostUpdate)}", r.Out);
        Assert.Contains("timeline:", r.Out);
    }

    [Fact]
    public void Replay_TestScheduleWithoutAssembly_SaysHowInOneLine()
    {
        (string schedule, _) = Record();
        CliResult r = HarnessCli.Run("replay", schedule);
        Assert.True(r.Code == 2, r.ToString());
        string error = Assert.Single(r.ErrLines);
        Assert.Contains("add --assembly PATH", error);
    }

    [Fact]
    public void Replay_BadAssembly_MissingNotRewrittenOrWithoutTheTest_ExitTwoWithOneLine()
    {
        (string schedule, _) = Record();

        CliResult missing = HarnessCli.Run("replay", schedule, "--assembly", Path.Combine(_work, "Nope.dll"));
        Assert.True(missing.Code == 2, missing.ToString());
        Assert.Contains("does not exist", Assert.Single(missing.ErrLines));

        // The compiler's output before the build step rewrote its copy in bin/.
        string original = Path.Combine(HarnessCli.RepositoryRoot, "tests", "Systematic", "obj", HarnessCli.Configuration, "net10.0", "Systematic.dll");
        string notRewritten = Path.Combine(_work, "plain", "Systematic.dll");
        Directory.CreateDirectory(Path.GetDirectoryName(notRewritten)!);
        File.Copy(original, notRewritten);
        CliResult plain = HarnessCli.Run("replay", schedule, "--assembly", notRewritten);
        Assert.True(plain.Code == 2, plain.ToString());
        Assert.Contains("was not rewritten for Coyote", Assert.Single(plain.ErrLines));

        // A test the assembly does not have (the file re-sealed after renaming the test).
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(schedule))!.AsObject();
        json["test"] = json["test"]!.GetValue<string>() + "Renamed";
        json.Remove("checksum");
        byte[] hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()));
        json["checksum"] = "sha256:" + Convert.ToHexStringLower(hash);
        string renamed = Path.Combine(_work, "renamed.schedule.json");
        File.WriteAllText(renamed, json.ToJsonString());
        CliResult without = HarnessCli.Run("replay", renamed, "--assembly", ThisAssembly);
        Assert.True(without.Code == 2, without.ToString());
        Assert.Contains("LostUpdateRenamed (recorded in the schedule) is not in", Assert.Single(without.ErrLines));
    }

    [Fact]
    public void Replay_AssemblyOptionOnAScenarioSchedule_ExitTwo()
    {
        CliResult r = HarnessCli.Run("explore", "--target", "seed-cancellable", "--scenario", "fail-fast", "--iterations", "300", "--seed", "7", "--out", _work, "--parallel", "1");
        Assert.True(r.Code == 1, r.ToString());
        string schedule = Assert.Single(r.Lines, l => l.StartsWith("schedule: ", StringComparison.Ordinal))["schedule: ".Length..];
        CliResult replay = HarnessCli.Run("replay", schedule, "--assembly", ThisAssembly);
        Assert.True(replay.Code == 2, replay.ToString());
        Assert.Contains("--assembly is only for a schedule recorded by Systematic.Verify", Assert.Single(replay.ErrLines));
    }
}
