using System.Diagnostics;
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
        Result r = Harness("explore", "--target", "taskgroup", "--scenario", "seed-jobs-and-daemon", "--iterations", "300", "--seed", "7", "--out", _work);
        Assert.True(r.Code == 0, r.ToString());
        Assert.DoesNotContain("bug:", r.Out);
        Assert.Contains("seed-jobs-and-daemon", r.Out);
    }

    [Fact]
    public void Explore_SeedCancellable_FindsBugAndReplayPrintsIdenticalBugLine()
    {
        Result r = Harness("explore", "--target", "seed-cancellable", "--scenario", "gh-155433-timeout-after-cancel", "--iterations", "2000", "--seed", "7", "--out", _work);
        Assert.True(r.Code == 1, r.ToString());
        string bug = Assert.Single(r.Lines, l => l.StartsWith("bug: ", StringComparison.Ordinal));
        string trace = Assert.Single(r.Lines, l => l.StartsWith("trace: ", StringComparison.Ordinal))["trace: ".Length..];
        Assert.Contains(r.Lines, l => l == $"replay: dotnet run --project src/Harness -- replay {trace}");
        Assert.True(File.Exists(trace));

        for (int i = 0; i < 2; i++)
        {
            Result replay = Harness("replay", trace);
            Assert.True(replay.Code == 1, replay.ToString());
            Assert.Equal(bug, Assert.Single(replay.Lines, l => l.StartsWith("bug: ", StringComparison.Ordinal)));
            Assert.Contains("timeline:", replay.Out);
        }
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("garbage")]
    [InlineData("foreign")]
    [InlineData("missing")]
    [InlineData("bad-step")]
    public void Replay_BadFile_OneLineErrorExitTwo(string kind)
    {
        string path = Path.Combine(_work, kind + ".json");
        switch (kind)
        {
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

        Result r = Harness("replay", path);
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
        Result r = Harness(args);
        Assert.True(r.Code == 2, r.ToString());
        Assert.StartsWith("error: ", Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void Explore_OnAssembliesNotRewritten_RefusesToStart()
    {
        // A copy of the CLI whose TaskGroups.dll is the shipped, un-rewritten library.
        string copy = Path.Combine(_work, "unrewritten");
        CopyDirectory(CliDirectory, copy);
        File.Copy(Path.Combine(RepositoryRoot, "src", "TaskGroups", "bin", Configuration, "net10.0", "TaskGroups.dll"), Path.Combine(copy, "TaskGroups.dll"), overwrite: true);

        Result r = Run(Path.Combine(copy, "Harness.dll"), "explore", "--iterations", "10");
        Assert.True(r.Code == 2, r.ToString());
        Assert.Contains("was not rewritten", r.Err);
    }

    // ---------------------------------------------------------------------------------------------

    private sealed record Result(int Code, string Out, string Err)
    {
        public string[] Lines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

        public override string ToString() => $"exit {Code}\nstdout:\n{Out}\nstderr:\n{Err}";
    }

    private static string Configuration => new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    private static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TaskGroups.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
        }
    }

    private static string CliDirectory => Path.Combine(RepositoryRoot, "src", "Harness", "bin", Configuration, "net10.0");

    private static Result Harness(params string[] args) => Run(Path.Combine(CliDirectory, "Harness.dll"), args);

    private static Result Run(string dll, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryRoot };
        info.ArgumentList.Add(dll);
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        using Process p = Process.Start(info)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"harness {string.Join(' ', args)} did not finish in 3 minutes");
        }

        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

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
