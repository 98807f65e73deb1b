using TaskGroups.Verification;
using Verifier = TaskGroups.Verification.Systematic; // this project's namespace is TaskGroups.Systematic
using Xunit;

namespace TaskGroups.Systematic.Verification;

/// <summary>
/// Teeth of the checker that <see cref="Verifier.Verify"/> attaches to every group: invariants 7 and 8
/// and the caller's cancellation are checked from the events alone (not only through the harness's
/// checking wrapper), observed by the checker itself. Each deliberately broken group is caught, its
/// schedule replays to the identical bug, and the same body with a correct group — the test's own
/// control, and the real <see cref="TaskGroup"/> — passes.
/// </summary>
public sealed class VerifyCatchesBrokenGroupsTests : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "taskgroups-verify-teeth", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_work))
        {
            Directory.Delete(_work, recursive: true);
        }
    }

    private SystematicOptions Options => new() { Schedules = 200, Seed = 5, OutputDirectory = _work, Parallelism = 1 };

    private static Func<Task> CancelBody(BrokenGroup.Flaw flaw) => async () =>
        await BrokenGroup.RunAsync(flaw, async g =>
        {
            g.Spawn(() => { });
            await g.CancelAsync();
        });

    private static Func<Task> LateSpawnBody(BrokenGroup.Flaw flaw) => async () =>
    {
        BrokenGroup g = await BrokenGroup.RunAsync(flaw, _ => Task.CompletedTask);
        try
        {
            g.Spawn(() => { });
        }
        catch (InvalidOperationException)
        {
            // what a closed group must do
        }
    };

    private static Func<Task> CallerCancelsBody(BrokenGroup.Flaw flaw) => async () =>
    {
        using var caller = new CancellationTokenSource();
        try
        {
            await BrokenGroup.RunAsync(flaw, async _ =>
            {
                await Task.Yield();
                caller.Cancel(); // while the body runs
                await Task.Yield();
            }, caller.Token);
        }
        catch (OperationCanceledException)
        {
            // the caller's cancellation, as it must end
        }
    };

    private void AssertCaught(Func<Task> body, string expected)
    {
        SystematicTestException found = Assert.Throws<SystematicTestException>(() => Verifier.Verify(body, Options));
        string[] lines = found.Message.Split('\n');
        Assert.StartsWith("bug: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.Equal("replayed once: reproduced the identical bug", lines[3]);
    }

    [Fact]
    public void Verify_CancelThatDefersTheCancellation_IsInvariant7() =>
        AssertCaught(CancelBody(BrokenGroup.Flaw.DeferredCancel), "invariant 7 (Cancel is immediate, idempotent and monotone) violated: g1.Cancel() returned but the group's token is not cancelled");

    [Fact]
    public void Verify_CancelThatCancelsInline_Passes() => Verifier.Verify(CancelBody(BrokenGroup.Flaw.None), Options);

    [Fact]
    public void Verify_SpawnAcceptedAfterCompletion_IsInvariant8() =>
        AssertCaught(LateSpawnBody(BrokenGroup.Flaw.AcceptsLateSpawn), "g1.Spawn was accepted after the group completed");

    [Fact]
    public void Verify_SpawnRejectedAfterCompletion_Passes() => Verifier.Verify(LateSpawnBody(BrokenGroup.Flaw.None), Options);

    [Fact]
    public void Verify_GroupThatReportsTheCallersCancellationAsFalse_IsCaughtByTheCheckersOwnRegistration() =>
        AssertCaught(CallerCancelsBody(BrokenGroup.Flaw.IgnoresCaller), "g1 ended successfully although its caller's token was cancelled while its tasks were running");

    [Fact]
    public void Verify_GroupThatEndsCanceledForTheCaller_Passes() => Verifier.Verify(CallerCancelsBody(BrokenGroup.Flaw.None), Options);

    [Fact]
    public void Verify_RealTaskGroup_CancelAndLateSpawnAndCallerCancel_Pass() => Verifier.Verify(async () =>
    {
        TaskGroup? closed = null;
        using var caller = new CancellationTokenSource();
        await TaskGroup.RunAsync(g =>
        {
            closed = g;
            _ = g.Spawn(async ct =>
            {
                var cancelled = new TaskCompletionSource();
                using (ct.Register(() => cancelled.TrySetResult()))
                {
                    await cancelled.Task;
                }
            });
            g.Cancel();
            g.Cancel();
            return Task.CompletedTask;
        });
        try
        {
            _ = closed!.Spawn(_ => Task.CompletedTask);
            throw new InvalidOperationException("Spawn after completion did not throw");
        }
        catch (InvalidOperationException e) when (e.Message.Contains("has completed", StringComparison.Ordinal))
        {
        }

        try
        {
            await TaskGroup.RunAsync(async g =>
            {
                await Task.Yield();
                caller.Cancel();
                await Task.Yield();
            }, caller.Token);
            throw new InvalidOperationException("the caller's cancellation was swallowed");
        }
        catch (OperationCanceledException)
        {
        }
    }, Options);
}
