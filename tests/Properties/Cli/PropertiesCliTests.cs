using TaskGroups.Testing;
using Xunit;

namespace TaskGroups.Properties.Cli;

/// <summary>
/// The <c>properties</c> verb, run as a user runs it (the built CLI in its own process): exit 0 on the
/// real group; exit 1 on a seed port with the xunit test, <c>counterexample:</c>, <c>bug:</c> and
/// <c>trace:</c> lines, and a trace that <c>replay</c> reproduces with the identical bug line; exit 2
/// with a one-line error on bad input.
/// </summary>
public sealed class PropertiesCliTests : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "taskgroups-properties-cli", Guid.NewGuid().ToString("N"));

    public PropertiesCliTests() => Directory.CreateDirectory(_work);

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public void Properties_TaskGroup_ExitsZero()
    {
        CliResult r = HarnessCli.Run("properties", "--target", "taskgroup", "--count", "15", "--seed", "11", "--schedules", "30", "--out", _work);
        Assert.True(r.Code == 0, r.ToString());
        Assert.DoesNotContain(r.Lines, l => l.StartsWith("bug: ", StringComparison.Ordinal));
        Assert.Contains("programs/s", r.Out);
    }

    [Fact]
    public void Properties_SeedCancellable_PrintsShrunkTestAndTraceThatReplays()
    {
        CliResult r = HarnessCli.Run("properties", "--target", "seed-cancellable", "--count", "300", "--seed", "11", "--out", _work);
        Assert.True(r.Code == 1, r.ToString());
        Assert.Contains("[Fact]", r.Out);
        Assert.Contains("TaskProgram.Parse(", r.Out);
        string count = Assert.Single(r.Lines, l => l.StartsWith("counterexample: ", StringComparison.Ordinal));
        Assert.Matches("^counterexample: [1-6] operations$", count);
        string bug = Assert.Single(r.Lines, l => l.StartsWith("bug: ", StringComparison.Ordinal));
        string trace = Assert.Single(r.Lines, l => l.StartsWith("schedule: ", StringComparison.Ordinal))["schedule: ".Length..];
        Assert.True(File.Exists(trace));

        CliResult replay = HarnessCli.Run("replay", trace);
        Assert.True(replay.Code == 1, replay.ToString());
        Assert.Equal(bug, Assert.Single(replay.Lines, l => l.StartsWith("bug: ", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("properties", "--count", "0")]
    [InlineData("properties", "--schedules", "-3")]
    [InlineData("properties", "--target", "nope")]
    [InlineData("properties", "--seed", "abc")]
    public void Properties_BadUsage_OneLineErrorExitTwo(params string[] args)
    {
        CliResult r = HarnessCli.Run(args);
        Assert.True(r.Code == 2, r.ToString());
        Assert.StartsWith("error: ", Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void Replay_TraceWithBrokenProgram_OneLineErrorExitTwo()
    {
        CliResult found = HarnessCli.Run("properties", "--target", "seed-cancellable", "--count", "5", "--seed", "1", "--out", _work);
        string trace = Assert.Single(found.Lines, l => l.StartsWith("schedule: ", StringComparison.Ordinal))["schedule: ".Length..];
        string broken = Path.Combine(_work, "broken.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(trace))!.AsObject();
        json["program"] = "spawn { frobnicate }";
        json.Remove("checksum"); // re-sealed, so that the program (not the checksum) is what is rejected
        json["checksum"] = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString())));
        File.WriteAllText(broken, json.ToJsonString());

        CliResult r = HarnessCli.Run("replay", broken);
        Assert.True(r.Code == 2, r.ToString());
        Assert.Contains("unknown operation 'frobnicate'", Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

}
