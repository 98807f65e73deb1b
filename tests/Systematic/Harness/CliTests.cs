using TaskGroups.Testing;
using Xunit;

namespace TaskGroups.Systematic.Harness;

/// <summary>
/// The harness's command line, run as a user runs it (the built CLI in its own process): exit codes
/// 0 / 1 / 2, the bug:, trace: and replay lines, identical bug lines on replay, one-line errors for bad
/// input, and refusal to run on assemblies that were not rewritten.
/// </summary>
public sealed class CliTests : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "taskgroups-cli", Guid.NewGuid().ToString("N"));

    public CliTests() => Directory.CreateDirectory(_work);

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public void Explore_TaskGroup_ExitsZero()
    {
        CliResult r = HarnessCli.Run("explore", "--target", "taskgroup", "--scenario", "seed-jobs-and-daemon", "--iterations", "300", "--seed", "7", "--out", _work);
        Assert.True(r.Code == 0, r.ToString());
        Assert.DoesNotContain("bug:", r.Out);
        Assert.Contains("seed-jobs-and-daemon", r.Out);
    }

    [Fact]
    public void Explore_SeedCancellable_FindsBugAndReplayPrintsIdenticalBugLine()
    {
        CliResult r = HarnessCli.Run("explore", "--target", "seed-cancellable", "--scenario", "gh-155433-timeout-after-cancel", "--iterations", "2000", "--seed", "7", "--out", _work);
        Assert.True(r.Code == 1, r.ToString());
        string bug = Assert.Single(r.Lines, l => l.StartsWith("bug: ", StringComparison.Ordinal));
        string trace = Assert.Single(r.Lines, l => l.StartsWith("schedule: ", StringComparison.Ordinal))["schedule: ".Length..];
        string project = Path.Combine(HarnessCli.RepositoryRoot, "src", "Harness");
        string config = HarnessCli.Configuration == "Release" ? "-c Release " : string.Empty;
        Assert.Contains(r.Lines, l => l == $"replay: dotnet run {config}--project {project} -- replay {trace}");
        Assert.True(File.Exists(trace));

        for (int i = 0; i < 2; i++)
        {
            CliResult replay = HarnessCli.Run("replay", trace);
            Assert.True(replay.Code == 1, replay.ToString());
            Assert.Equal(bug, Assert.Single(replay.Lines, l => l.StartsWith("bug: ", StringComparison.Ordinal)));
            Assert.Contains("timeline:", replay.Out);
        }
    }

    [Fact]
    public void Replay_DamagedOrDivergedSchedule_CorruptExitTwo_DivergedExitFour()
    {
        CliResult r = HarnessCli.Run("explore", "--target", "seed-cancellable", "--scenario", "fail-fast", "--iterations", "300", "--seed", "7", "--out", _work);
        Assert.True(r.Code == 1, r.ToString());
        string schedule = Assert.Single(r.Lines, l => l.StartsWith("schedule: ", StringComparison.Ordinal))["schedule: ".Length..];
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(schedule))!.AsObject();

        // A flipped boolean (or any edit) without a matching checksum: corrupt, exit 2.
        string flipped = Path.Combine(_work, "flipped.schedule.json");
        File.WriteAllText(flipped, File.ReadAllText(schedule).Replace("\"IsLivenessCheckingEnabled\": true", "\"IsLivenessCheckingEnabled\": false", StringComparison.Ordinal));
        CliResult corrupt = HarnessCli.Run("replay", flipped);
        Assert.True(corrupt.Code == 2, corrupt.ToString());
        Assert.Contains("corrupt", corrupt.Err);

        // A changed seed with a recomputed checksum: inconsistent header, exit 2.
        var reseeded = (System.Text.Json.Nodes.JsonObject)json.DeepClone();
        reseeded["seed"] = 12345;
        CliResult inconsistent = HarnessCli.Run("replay", WriteWithChecksum(reseeded, "reseeded"));
        Assert.True(inconsistent.Code == 2, inconsistent.ToString());
        Assert.Contains("inconsistent", inconsistent.Err);

        // Steps cut to half with a recomputed checksum: the replay diverges, exit 4.
        var cut = (System.Text.Json.Nodes.JsonObject)json.DeepClone();
        var steps = cut["coyote"]!["Steps"]!.AsArray();
        int keep = steps.Count / 2;
        while (steps.Count > keep)
        {
            steps.RemoveAt(steps.Count - 1);
        }

        CliResult diverged = HarnessCli.Run("replay", WriteWithChecksum(cut, "cut"));
        Assert.True(diverged.Code == 4, diverged.ToString());
        Assert.Contains(diverged.Lines, l => l.StartsWith("diverged at step ", StringComparison.Ordinal) && l.Contains("the code changed since the schedule was recorded", StringComparison.Ordinal));
    }

    private string WriteWithChecksum(System.Text.Json.Nodes.JsonObject json, string name)
    {
        json.Remove("checksum");
        byte[] hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()));
        json["checksum"] = "sha256:" + Convert.ToHexStringLower(hash);
        string path = Path.Combine(_work, name + ".schedule.json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("garbage")]
    [InlineData("foreign")]
    [InlineData("missing")]
    [InlineData("bad-step")]
    [InlineData("overflowing-step")]
    [InlineData("no-steps")]
    [InlineData("duplicate-key")]
    public void Replay_BadFile_OneLineErrorExitTwo(string kind)
    {
        string path = Path.Combine(_work, kind + ".json");
        const string Head = "{\"format\": \"taskgroups-harness-trace\", \"version\": 1, \"target\": \"taskgroup\", \"scenario\": \"fail-fast\", \"bug\": \"x\", \"seed\": 1, \"strategy\": \"random\", ";
        switch (kind)
        {
            case "overflowing-step":
                File.WriteAllText(path, Head + "\"coyote\": {\"Settings\": {}, \"Steps\": [\"op(99999999999999999999999:0),sp(Default),next(0:0)\"]}}");
                break;
            case "no-steps":
                File.WriteAllText(path, Head + "\"coyote\": {\"Settings\": {}, \"Steps\": []}}");
                break;
            case "duplicate-key":
                File.WriteAllText(path, Head + "\"format\": \"again\", \"coyote\": {\"Settings\": {}, \"Steps\": [\"op(0:1),bool(True)\"]}}");
                break;
            case "truncated":
                File.WriteAllText(path, "{\"format\": \"taskgroups-harness-trace\", \"version\": 1, \"target\": \"task");
                break;
            case "garbage":
                File.WriteAllBytes(path, [0xff, 0x00, 0x13, 0x37]);
                break;
            case "foreign":
                File.WriteAllText(path, "{\"Steps\": [\"op(0:1),bool(True)\"]}");
                break;
            case "bad-step":
                File.WriteAllText(path, """
                    {"format": "taskgroups-harness-trace", "version": 1, "target": "taskgroup", "scenario": "fail-fast",
                     "bug": "x", "seed": 1, "strategy": "random", "coyote": {"Settings": {}, "Steps": ["op(1)"]}}
                    """);
                break;
        }

        CliResult r = HarnessCli.Run("replay", path);
        Assert.True(r.Code == 2, r.ToString());
        Assert.Empty(r.Out.Trim());
        string error = Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", error);
    }

    [Theory]
    [InlineData("explore", "--iterations", "abc")]
    [InlineData("explore", "--shard", "3/2")]
    [InlineData("explore", "--target", "nope")]
    [InlineData("explore", "--strategy", "nope")]
    [InlineData("frobnicate")]
    public void BadUsage_OneLineErrorExitTwo(params string[] args)
    {
        CliResult r = HarnessCli.Run(args);
        Assert.True(r.Code == 2, r.ToString());
        Assert.StartsWith("error: ", Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void Explore_OnAssembliesNotRewritten_RefusesToStart()
    {
        // A copy of the CLI whose TaskGroups.dll is the shipped, un-rewritten library.
        string copy = Path.Combine(_work, "unrewritten");
        CopyDirectory(HarnessCli.Directory, copy);
        File.Copy(Path.Combine(HarnessCli.RepositoryRoot, "src", "TaskGroups", "bin", HarnessCli.Configuration, "net10.0", "TaskGroups.dll"), Path.Combine(copy, "TaskGroups.dll"), overwrite: true);

        CliResult r = HarnessCli.RunDll(Path.Combine(copy, "Harness.dll"), "explore", "--iterations", "10");
        Assert.True(r.Code == 2, r.ToString());
        Assert.Contains("was not rewritten", r.Err);
    }

    // ---------------------------------------------------------------------------------------------

    private static void CopyDirectory(string from, string to)
    {
        foreach (string dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(dir.Replace(from, to, StringComparison.Ordinal));
        }

        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal), overwrite: true);
        }
    }
}
