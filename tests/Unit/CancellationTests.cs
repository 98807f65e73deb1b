using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit;

/// <summary>Invariants 2 (all siblings observe cancellation), 3 (suppresses only its own signal) and
/// 7 (Cancel is immediate, idempotent, monotone and thread-safe).</summary>
public class CancellationTests
{
    [Fact]
    public async Task Invariant2_Cancel_EveryRunningChildAndBodyTokenCancelled()
    {
        const int children = 8;
        int observed = 0;
        var allRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int running = 0;
        Task run = TaskGroup.RunAsync(async g =>
        {
            for (int i = 0; i < children; i++)
            {
                _ = g.Spawn(async ct =>
                {
                    await Task.Yield();
                    if (Interlocked.Increment(ref running) == children)
                    {
                        allRunning.SetResult();
                    }

                    await WhenCancelled(ct);
                    Interlocked.Increment(ref observed);
                });
            }

            await allRunning.Task;
            g.Cancel();
            Assert.True(g.Token.IsCancellationRequested);
        });
        await AssertSucceeded(run);
        Assert.Equal(children, observed);
    }

    [Fact]
    public async Task Invariant2_ChildFailure_SiblingsAndBodyObserveCancellation()
    {
        int observed = 0;
        bool bodyObserved = false;
        Task run = TaskGroup.RunAsync(async g =>
        {
            for (int i = 0; i < 4; i++)
            {
                _ = g.Spawn(async ct => { await WhenCancelled(ct); Interlocked.Increment(ref observed); });
            }

            _ = g.Spawn(async ct => { await Task.Yield(); throw Boom("fail"); });
            await WhenCancelled(g.Token);
            bodyObserved = true;
        });
        await AssertFaulted(run);
        Assert.Equal(4, observed);
        Assert.True(bodyObserved);
    }

    [Fact]
    public async Task Invariant2_CallerToken_SiblingsAndBodyObserveCancellation()
    {
        using var caller = new CancellationTokenSource();
        int observed = 0;
        var ready = Signal();
        Task run = TaskGroup.RunAsync(async g =>
        {
            for (int i = 0; i < 4; i++)
            {
                _ = g.Spawn(async ct => { await WhenCancelled(ct); Interlocked.Increment(ref observed); });
            }

            ready.SetResult();
            await WhenCancelled(g.Token);
            Interlocked.Increment(ref observed);
        }, caller.Token);
        await ready.Task.Guard();
        await caller.CancelAsync();
        await AssertCanceled(run, caller.Token);
        Assert.Equal(5, observed);
    }

    [Fact]
    public async Task Invariant2_SpawnAfterCancel_StartsWithCancelledTokenAndSpawnDoesNotThrow()
    {
        bool? lateSawCancelled = null;
        bool? lateFromChildSawCancelled = null;
        Task run = TaskGroup.RunAsync(async g =>
        {
            _ = g.Spawn(async ct =>
            {
                await Task.Yield();
                g.Cancel();
                _ = g.Spawn(ct2 => { lateFromChildSawCancelled = ct2.IsCancellationRequested; return Task.CompletedTask; });
            });
            await WhenCancelled(g.Token);
            _ = g.Spawn(ct => { lateSawCancelled = ct.IsCancellationRequested; return Task.CompletedTask; });
        });
        await AssertSucceeded(run);
        Assert.True(lateSawCancelled);
        Assert.True(lateFromChildSawCancelled);
    }

    [Fact]
    public async Task Invariant2_SpawnAfterFailure_StartsCancelledAndIsWaitedFor()
    {
        var boom = Boom("fail");
        bool lateFinished = false;
        bool? lateSawCancelled = null;
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(ct => throw boom);
            _ = g.Spawn(async ct =>
            {
                lateSawCancelled = ct.IsCancellationRequested;
                await Task.Yield();
                lateFinished = true;
            });
            return Task.CompletedTask;
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Same(boom, Assert.Single(ex.InnerExceptions));
        Assert.True(lateSawCancelled);
        Assert.True(lateFinished);
    }

    [Fact]
    public async Task Invariant2_SpawnRacingCancel_NoChildStartedAfterCancelSeesUncancelledToken()
    {
        await Repeat(300, async iteration =>
        {
            int violations = 0;
            int cancelReturned = 0;
            Task run = TaskGroup.RunAsync(async g =>
            {
                var go = Signal();
                Task canceller = Task.Run(async () =>
                {
                    await go.Task;
                    await Jitter();
                    g.Cancel();
                    Volatile.Write(ref cancelReturned, 1);
                });
                Task spawner = Task.Run(async () =>
                {
                    await go.Task;
                    for (int i = 0; i < 20; i++)
                    {
                        bool afterCancel = Volatile.Read(ref cancelReturned) == 1;
                        _ = g.Spawn(async ct =>
                        {
                            if (afterCancel && !ct.IsCancellationRequested)
                            {
                                Interlocked.Increment(ref violations);
                            }

                            await WhenCancelled(ct); // every child eventually observes it
                        });
                        await Jitter();
                    }
                });
                go.SetResult();
                await Task.WhenAll(new[] { canceller, spawner });
            });
            await AssertSucceeded(run);
            Assert.Equal(0, violations);
        });
    }

    [Fact]
    public async Task Invariant3_CallerCancelledBeforeCancel_Canceled()
    {
        using var caller = new CancellationTokenSource();
        TaskGroup? seen = null;
        Task run = TaskGroup.RunAsync(async g =>
        {
            seen = g;
            _ = g.Spawn(ct => Forever(ct));
            await caller.CancelAsync();
            g.Cancel();
        }, caller.Token);
        await AssertCanceled(run, caller.Token);
        Assert.False(seen!.CancellationCaught);
    }

    [Fact]
    public async Task Invariant3_CallerCancelledAfterCancelWhileChildCleansUp_Canceled()
    {
        // CPython gh-155433: an outer cancellation arriving after group.cancel() was swallowed.
        using var caller = new CancellationTokenSource();
        var cleaningUp = Signal();
        var release = Signal();
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(async ct =>
            {
                try
                {
                    await Forever(ct);
                }
                finally
                {
                    cleaningUp.SetResult();
                    await release.Task;
                }
            });
            g.Cancel();
            return Task.CompletedTask;
        }, caller.Token);
        await cleaningUp.Task.Guard();
        await caller.CancelAsync();
        release.SetResult();
        await AssertCanceled(run, caller.Token);
    }

    [Fact]
    public async Task Invariant3_CallerCancelRacingCancel_AlwaysCanceled()
    {
        await Repeat(500, async iteration =>
        {
            using var caller = new CancellationTokenSource();
            var go = Signal();
            var bothDone = Signal();
            Task run = TaskGroup.RunAsync(g =>
            {
                _ = g.Spawn(async ct =>
                {
                    try
                    {
                        await Forever(ct);
                    }
                    finally
                    {
                        await bothDone.Task; // the group cannot complete before both cancels ran
                    }
                });
                Task a = Task.Run(async () => { await go.Task; await Jitter(); g.Cancel(); });
                Task b = Task.Run(async () => { await go.Task; await Jitter(); await caller.CancelAsync(); });
                _ = Task.WhenAll(new[] { a, b }).ContinueWith(_ => bothDone.SetResult(), TaskScheduler.Default);
                go.SetResult();
                return Task.CompletedTask;
            }, caller.Token);
            await AssertCanceled(run, caller.Token);
        });
    }

    [Fact]
    public async Task Invariant3_CallerCancelledAfterCompletion_OutcomeUnchanged()
    {
        using var caller = new CancellationTokenSource();
        TaskGroup? seen = null;
        Task run = TaskGroup.RunAsync(g => { seen = g; g.Cancel(); return Task.CompletedTask; }, caller.Token);
        await AssertSucceeded(run);
        await caller.CancelAsync();
        Assert.Equal(TaskStatus.RanToCompletion, run.Status);
        Assert.True(seen!.CancellationCaught);
    }

    [Fact]
    public async Task Invariant3_CallerCancelledWhileChildIgnoresCancellation_Canceled()
    {
        using var caller = new CancellationTokenSource();
        var observed = Signal();
        var callerCancelled = Signal();
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(async ct =>
            {
                await WhenCancelled(ct);
                observed.SetResult();
                for (int i = 0; i < 20; i++)
                {
                    await Task.Yield(); // keeps running for a while after the token fired
                }

                await callerCancelled.Task;
            });
            g.Cancel();
            return Task.CompletedTask;
        }, caller.Token);
        await observed.Task.Guard();
        await caller.CancelAsync();
        callerCancelled.SetResult();
        await AssertCanceled(run, caller.Token);
    }

    [Fact]
    public async Task Invariant7_Cancel_EveryChildTokenCancelledWhenCancelReturns()
    {
        bool allCancelledOnReturn = false;
        int callbacksRan = 0;
        Task run = TaskGroup.RunAsync(async g =>
        {
            var tokens = new List<CancellationToken>();
            for (int i = 0; i < 5; i++)
            {
                _ = g.Spawn(async ct =>
                {
                    lock (tokens)
                    {
                        tokens.Add(ct);
                    }

                    ct.Register(() => Interlocked.Increment(ref callbacksRan));
                    await Forever(ct);
                });
            }

            await Task.Yield();
            g.Cancel();
            allCancelledOnReturn = g.Token.IsCancellationRequested && g.IsCancellationRequested
                && tokens.TrueForAll(t => t.IsCancellationRequested) && Volatile.Read(ref callbacksRan) == 5;
        });
        await AssertSucceeded(run);
        Assert.True(allCancelledOnReturn);
    }

    [Fact]
    public async Task Invariant7_Cancel_IdempotentAndMonotone()
    {
        TaskGroup? seen = null;
        bool stayed = true;
        Task run = TaskGroup.RunAsync(async g =>
        {
            seen = g;
            _ = g.Spawn(ct => Forever(ct));
            g.Cancel();
            g.Cancel();
            for (int i = 0; i < 10; i++)
            {
                await Task.Yield();
                g.Cancel();
                stayed &= g.IsCancellationRequested && g.Token.IsCancellationRequested;
            }
        });
        await AssertSucceeded(run);
        Assert.True(stayed);
        Assert.True(seen!.CancellationCaught);
        Assert.True(seen.IsCancellationRequested);
    }

    [Fact]
    public async Task Invariant7_ConcurrentCancelFromManyPlaces_SafeAndSucceeds()
    {
        await Repeat(200, async iteration =>
        {
            TaskGroup? seen = null;
            var go = Signal();
            Task run = TaskGroup.RunAsync(async g =>
            {
                seen = g;
                for (int i = 0; i < 4; i++)
                {
                    _ = g.Spawn(async ct => { await go.Task; await Jitter(); g.Cancel(); await Forever(ct); });
                }

                Task outside = Task.Run(async () => { await go.Task; await Jitter(); g.Cancel(); });
                go.SetResult();
                await Jitter();
                g.Cancel();
                await outside;
            });
            await AssertSucceeded(run);
            Assert.True(seen!.CancellationCaught);
        });
    }

    [Fact]
    public async Task Invariant7_CancelAfterSuccessfulCompletion_IsNoOp()
    {
        TaskGroup? seen = null;
        Task run = TaskGroup.RunAsync(g => { seen = g; return Task.CompletedTask; });
        await AssertSucceeded(run);
        seen!.Cancel();
        Assert.False(seen.IsCancellationRequested);
        Assert.False(seen.CancellationCaught);
        Assert.Equal(TaskStatus.RanToCompletion, run.Status);
    }

    [Fact]
    public async Task Invariant7_CancelAfterFaultedCompletion_IsNoOp()
    {
        TaskGroup? seen = null;
        Task run = TaskGroup.RunAsync(g => { seen = g; throw Boom("x"); });
        await AssertFaulted(run);
        seen!.Cancel();
        Assert.False(seen.CancellationCaught);
        Assert.Equal(TaskStatus.Faulted, run.Status);
    }

    [Fact]
    public async Task Invariant7_CancelRacingCompletion_NeverThrowsAndOutcomeConsistent()
    {
        await Repeat(300, async iteration =>
        {
            TaskGroup? seen = null;
            var go = Signal();
            Task canceller = Task.CompletedTask;
            Task run = TaskGroup.RunAsync(async g =>
            {
                seen = g;
                canceller = Task.Run(async () => { await go.Task; await Jitter(); g.Cancel(); });
                _ = g.Spawn(async ct => { await go.Task; await Jitter(); });
                go.SetResult();
                await Jitter();
            });
            await AssertSucceeded(run);
            await canceller.Guard();
            // Either Cancel() won (caught) or it came after completion (a no-op, token untouched).
            Assert.Equal(seen!.CancellationCaught, seen.IsCancellationRequested);
        });
    }
}
