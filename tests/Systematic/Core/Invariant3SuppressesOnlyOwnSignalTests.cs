using Microsoft.Coyote.Random;
using Xunit;

namespace TaskGroups.Systematic.Core;

/// <summary>Invariant 3: the group ends successfully after Cancel() only if the caller's token was not
/// cancelled. If the caller's token is cancelled before the group completes (before, after or racing
/// with Cancel()) the group ends Canceled with the caller's token. CPython gh-155433 / gh-116720,
/// AnyIO #1214 and Nito.StructuredConcurrency got this wrong.</summary>
public class Invariant3SuppressesOnlyOwnSignalTests
{
    [Fact]
    public void Invariant3_SuppressesOnlyOwnSignal_CallerCancelRacingCancel_EndsCanceled()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            using var caller = new CancellationTokenSource();
            TaskGroup? captured = null;

            Task run = TaskGroup.RunAsync(async group =>
            {
                captured = group;
                _ = group.Spawn(Child.RunUntilCancelled);

                // Both cancellations come from other tasks and race each other; the body waits for
                // both, so the caller's token is always cancelled before the group completes.
                Task callerCancels = Task.Run(async () =>
                {
                    await Child.YieldSome(random);
                    caller.Cancel();
                });
                Task groupCancels = random.NextBoolean()
                    ? Task.Run(async () =>
                    {
                        await Child.YieldSome(random);
                        group.Cancel();
                    })
                    : group.Spawn(async _ =>
                    {
                        await Child.YieldSome(random);
                        group.Cancel();
                    });
                await Task.WhenAll(new[] { callerCancels, groupCancels });
            }, caller.Token);

            await Check.CanceledWith(run, "caller's token cancelled racing Cancel()", caller.Token);
            Check.That(!captured!.CancellationCaught, "CancellationCaught is true although the group ended Canceled");
        }

        Exploration.AssertHolds(Scenario, seed: 301);
    }

    [Fact]
    public void Invariant3_SuppressesOnlyOwnSignal_CallerCancelledBeforeCancel_EndsCanceled()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            using var caller = new CancellationTokenSource();
            bool beforeRun = random.NextBoolean();
            if (beforeRun)
            {
                caller.Cancel();
            }

            Task run = TaskGroup.RunAsync(async group =>
            {
                _ = group.Spawn(Child.RunUntilCancelled);
                await Child.YieldSome(random);
                if (!beforeRun)
                {
                    caller.Cancel();
                }

                await Child.YieldSome(random);
                group.Cancel();
            }, caller.Token);

            await Check.CanceledWith(run, $"caller's token cancelled before Cancel() (before RunAsync: {beforeRun})", caller.Token);
        }

        Exploration.AssertHolds(Scenario, seed: 302);
    }

    [Fact]
    public void Invariant3_SuppressesOnlyOwnSignal_CallerCancelledAfterCancelDuringCleanup_EndsCanceled()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            using var caller = new CancellationTokenSource();
            var cleanupMayEnd = new TaskCompletionSource();
            Task outside = Task.CompletedTask; // awaited at the end: Verify reports a task left running

            Task run = TaskGroup.RunAsync(async group =>
            {
                _ = group.Spawn(async ct =>
                {
                    try
                    {
                        await Child.UntilCancelled(ct);
                        ct.ThrowIfCancellationRequested();
                    }
                    finally
                    {
                        // Cleanup outlasts the caller's cancellation.
                        await cleanupMayEnd.Task;
                    }
                });
                _ = group.Spawn(async _ =>
                {
                    await Child.YieldSome(random);
                    group.Cancel();
                });

                // Outside the group: after the group cancelled itself, the caller cancels too.
                outside = Task.Run(async () =>
                {
                    await Child.UntilCancelled(group.Token);
                    await Child.YieldSome(random);
                    caller.Cancel();
                    await Child.YieldSome(random);
                    cleanupMayEnd.SetResult();
                });
                await Child.YieldSome(random);
            }, caller.Token);

            await Check.CanceledWith(run, "caller's token cancelled after Cancel(), while children cleaned up", caller.Token);
            await outside;
        }

        Exploration.AssertHolds(Scenario, seed: 303);
    }

    [Fact]
    public void Invariant3_SuppressesOnlyOwnSignal_CallerCancelledAfterCompletion_StaysRanToCompletion()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            using var caller = new CancellationTokenSource();
            TaskGroup? captured = null;

            Task run = TaskGroup.RunAsync(async group =>
            {
                captured = group;
                _ = group.Spawn(Child.RunUntilCancelled);
                await Child.YieldSome(random);
                group.Cancel();
            }, caller.Token);

            await Check.Succeeded(run, "Cancel() only");
            Check.That(captured!.CancellationCaught, "CancellationCaught is false although the group cancelled itself and succeeded");
            caller.Cancel();
            await Task.Yield();
            Check.That(run.Status == TaskStatus.RanToCompletion && captured.CancellationCaught, "cancelling the caller's token after completion changed the outcome");
        }

        Exploration.AssertHolds(Scenario, seed: 304);
    }

    [Fact]
    public void Invariant3_SuppressesOnlyOwnSignal_OperationCanceledWhileTokenNotCancelled_IsAFailure()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            using var privateTimeout = new CancellationTokenSource();
            bool groupAlsoCancels = random.NextBoolean();
            bool noToken = random.NextBoolean();
            OperationCanceledException? thrown = null;
            bool cancelledWhenThrown = false;

            Task run = TaskGroup.RunAsync(async group =>
            {
                _ = group.Spawn(Child.RunUntilCancelled);
                if (groupAlsoCancels)
                {
                    _ = group.Spawn(async _ =>
                    {
                        await Child.YieldSome(random);
                        group.Cancel();
                    });
                }

                _ = group.Spawn(async ct =>
                {
                    await Child.YieldSome(random);

                    // Own-signal rule, second revision: a child's private timeout (or a token-less
                    // cancellation) is a failure while the group's token is not cancelled, and the
                    // group's own signal once it is.
                    thrown = noToken ? new OperationCanceledException() : new OperationCanceledException(privateTimeout.Token);
                    privateTimeout.Cancel();
                    cancelledWhenThrown = ct.IsCancellationRequested;
                    throw thrown;
                });
                await Child.YieldSome(random);
            });

            if (cancelledWhenThrown)
            {
                await run; // the group's own signal: suppressed
                return;
            }

            if (groupAlsoCancels)
            {
                // The accepted race: the group's Cancel() may land between the throw and the moment the
                // group observes it; then the OCE is absorbed. Otherwise it is exactly one failure.
                try
                {
                    await run;
                    return;
                }
                catch (TaskGroupException e)
                {
                    Check.That(e.InnerExceptions.Count == 1 && e.InnerExceptions[0] == thrown, $"expected exactly the child's OperationCanceledException, got {e.InnerExceptions.Count} failures");
                    return;
                }
            }

            IReadOnlyList<Exception> failures = await Check.Faulted(run, "OperationCanceledException while the group's token was not cancelled");
            Check.That(failures.Count == 1 && failures[0] == thrown, $"expected exactly the child's OperationCanceledException, got {failures.Count} failures");
        }

        Exploration.AssertHolds(Scenario, seed: 305);
    }
}
