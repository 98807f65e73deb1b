using System.Text.RegularExpressions;
using TaskGroups.Testing;
using Xunit;

namespace TaskGroups.Systematic.Harness;

/// <summary>The <c>zoo</c> verb as a user runs it, on a reduced budget that fits CI.</summary>
public sealed class ZooCliTests : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "taskgroups-zoo-cli", Guid.NewGuid().ToString("N"));

    public ZooCliTests() => Directory.CreateDirectory(_work);

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public void Zoo_OneBrokenTarget_DetectedReplayedAndRealGroupClean()
    {
        CliResult r = HarnessCli.Run("zoo", "--target", "go-errgroup-first-error", "--iterations", "40", "--count", "8", "--schedules", "20",
            "--min-stress-seconds", "0.2", "--out", _work);

        Assert.True(r.Code == 0, r.ToString());
        Assert.Matches(new Regex(@"^zoo: 1 of 1 broken targets detected \(explore 1, properties [01], stress [01]\)$"), r.Lines[^1]);
        Assert.Contains(r.Lines, l => l.StartsWith("false-alarm check: taskgroup, mini-reference clean", StringComparison.Ordinal));
        string trace = r.Lines.First(l => l.StartsWith("schedule: ", StringComparison.Ordinal))["schedule: ".Length..];
        string bug = r.Lines.First(l => l.StartsWith("bug: ", StringComparison.Ordinal));
        Assert.DoesNotContain("REPLAY MISMATCH", r.Out);

        CliResult replay = HarnessCli.Run("replay", trace);
        Assert.True(replay.Code == 1, replay.ToString());
        Assert.Equal(bug, Assert.Single(replay.Lines, l => l.StartsWith("bug: ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Zoo_UnknownOrCleanTarget_OneLineErrorExitTwo()
    {
        CliResult r = HarnessCli.Run("zoo", "--target", "taskgroup");
        Assert.True(r.Code == 2, r.ToString());
        Assert.Single(r.ErrLines);
        Assert.StartsWith("error: 'taskgroup' is not a broken target", r.Err, StringComparison.Ordinal);
    }
}
