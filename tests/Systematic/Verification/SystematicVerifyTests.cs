using TaskGroups.Systematic.Infrastructure;
using TaskGroups.Verification;
using Verifier = TaskGroups.Verification.Systematic; // this project's namespace is TaskGroups.Systematic
using Xunit;

namespace TaskGroups.Systematic.Verification;

/// <summary>
/// The engine behind every systematic test, tested on a deliberately broken test body (a lost update:
/// two children read, await, then write a shared counter): <see cref="Verifier.Verify"/> must fail
/// with the three lines, write the schedule file it names, replay it once itself, and a replay of the
/// file must fail with the identical bug line; the same body with an atomic increment must pass.
/// </summary>
public sealed class SystematicVerifyTests : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "taskgroups-verify", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_work))
        {
            Directory.Delete(_work, recursive: true);
        }
    }

    private static Func<Task> Counter(bool atomic) => async () =>
    {
        int counter = await LostUpdateRace.CountAsync(atomic);
        if (counter != 2)
        {
            throw new InvalidOperationException($"lost update: counter is {counter}");
        }
    };

    [Fact]
    public void Verify_BrokenTest_PrintsThreeLinesAndTheScheduleReplaysToTheIdenticalBug()
    {
        var options = new SystematicOptions { Schedules = 300, Seed = 3, OutputDirectory = _work, Parallelism = 2 };
        SystematicTestException found = Assert.Throws<SystematicTestException>(() => Verifier.Verify(Counter(atomic: false), options));

        string[] lines = found.Message.Split('\n');
        Assert.StartsWith("bug: ", lines[0]);
        Assert.Contains("lost update: counter is 1", lines[0]);
        Assert.StartsWith("schedule: ", lines[1]);
        string schedule = lines[1]["schedule: ".Length..];
        Assert.True(Path.IsPathRooted(schedule) && File.Exists(schedule), schedule);
        Assert.Equal(schedule, found.SchedulePath);
        Assert.Equal($"replay: TASKGROUPS_REPLAY={schedule} dotnet test {Path.Combine(TaskGroups.Testing.HarnessCli.RepositoryRoot, "tests", "Systematic", "Systematic.csproj")} --filter \"FullyQualifiedName={typeof(SystematicVerifyTests).FullName}.{nameof(Verify_BrokenTest_PrintsThreeLinesAndTheScheduleReplaysToTheIdenticalBug)}\"", lines[2]);
        Assert.Equal("replayed once: reproduced the identical bug", lines[3]);

        // The replay (what TASKGROUPS_REPLAY does) fails with the identical bug line and the timeline.
        for (int i = 0; i < 2; i++)
        {
            SystematicTestException replayed = Assert.Throws<SystematicTestException>(() =>
                Verifier.Verify(Counter(atomic: false), new SystematicOptions { Seed = 3, Replay = schedule }));
            Assert.Equal(lines[0], replayed.Message.Split('\n')[0]);
            Assert.Contains("replayed: reproduced the recorded bug", replayed.Message);
            Assert.Contains("timeline (", replayed.Message);
        }
    }

    [Fact]
    public void Verify_FixedTest_Passes() =>
        Verifier.Verify(Counter(atomic: true), new SystematicOptions { Schedules = 300, Seed = 3, OutputDirectory = _work });

    [Fact]
    public void Verify_BadScheduleCount_IsAnErrorNotIgnored()
    {
        var e = Assert.Throws<ArgumentException>(() => Verifier.Verify(Counter(atomic: true), new SystematicOptions { Schedules = 0 }));
        Assert.Contains("Schedules must be positive", e.Message);
    }

    /// <summary>An uncontrolled call (here <see cref="CancellationTokenSource.CancelAsync"/>, which runs
    /// the callbacks on the real thread pool) is a bug in strict mode. Coyote names the task it returned
    /// by its id, which differs between a run and its replay: the bug line must not carry it, or no
    /// replay could ever print the identical line.</summary>
    [Fact]
    public void Verify_UncontrolledCall_BugLineReplaysIdentically()
    {
        static async Task CancelsAsynchronously()
        {
            using var cts = new CancellationTokenSource();
            try
            {
                await TaskGroup.RunAsync(async group =>
                {
                    _ = group.Spawn(async _ => await Task.Yield());
                    await cts.CancelAsync(); // uncontrolled: the group's registration runs on the real thread pool
                }, cts.Token);
            }
            catch (OperationCanceledException)
            {
                // The caller's cancellation, as it should be.
            }
        }

        var options = new SystematicOptions { Schedules = 10, Seed = 1, OutputDirectory = _work };
        SystematicTestException found = Assert.Throws<SystematicTestException>(() => Verifier.Verify(CancelsAsynchronously, options));
        string bug = found.Message.Split('\n')[0];
        Assert.StartsWith("bug: invariant 10 (", bug); // named, not Coyote's advice
        Assert.Contains("System.Threading.CancellationTokenSource.CancelAsync was invoked, which Coyote does not control", bug);
        SystematicTestException replayed = Assert.Throws<SystematicTestException>(() =>
            Verifier.Verify(CancelsAsynchronously, new SystematicOptions { Replay = found.SchedulePath }));
        Assert.Equal(bug, replayed.Message.Split('\n')[0]);
    }

    /// <summary>A user's deadlock is named, not left as Coyote's "Deadlock detected": here a child ignores
    /// its token after a sibling failed, so the group (which did cancel) waits for it forever.</summary>
    [Fact]
    public void Verify_ChildIgnoresCancellation_DeadlockIsNamedAndReplaysIdentically()
    {
        static async Task IgnoresCancellation()
        {
            var never = new TaskCompletionSource();
            await TaskGroup.RunAsync(group =>
            {
                _ = group.Spawn(async _ => await never.Task); // never looks at its token
                _ = group.Spawn(async _ =>
                {
                    await Task.Yield();
                    throw new InvalidOperationException("boom");
                });
                return Task.CompletedTask;
            });
        }

        var options = new SystematicOptions { Schedules = 10, Seed = 1, OutputDirectory = _work };
        SystematicTestException found = Assert.Throws<SystematicTestException>(() => Verifier.Verify(IgnoresCancellation, options));
        string bug = found.Message.Split('\n')[0];
        Assert.Equal("bug: invariant 1 (Containment / no leaked tasks) violated: g1 never completed: its token was cancelled, but a task ignores cancellation and never finished, and the group waits for every task (deadlock)", bug);
        SystematicTestException replayed = Assert.Throws<SystematicTestException>(() =>
            Verifier.Verify(IgnoresCancellation, new SystematicOptions { Seed = 1, Replay = found.SchedulePath }));
        Assert.Equal(bug, replayed.Message.Split('\n')[0]);
    }
}
