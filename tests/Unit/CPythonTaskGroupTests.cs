using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit;

/// <summary>Ports of what CPython's Lib/test/test_asyncio/test_taskgroups.py checks (where it makes
/// sense for this API), plus the CPython bugs gh-155433 and gh-116720. Sleeps become handshakes;
/// "cancel the outer task" becomes "cancel the caller's token".</summary>
public class CPythonTaskGroupTests
{
    [Fact]
    public async Task TaskGroup01_ChildrenSpawnedBeforeAndDuringBody_ResultsAvailable()
    {
        Task<int>? t1 = null, t2 = null;
        await TaskGroup.RunAsync(async g =>
        {
            t1 = g.Spawn(async ct => { await Task.Yield(); return 42; });
            await Task.Yield();
            t2 = g.Spawn(async ct => { await Task.Yield(); return 11; });
        }).Guard();
        Assert.Equal(42, await t1!);
        Assert.Equal(11, await t2!);
    }

    [Fact]
    public async Task TaskGroup04_ChildFails_SiblingCancelledAndCodeAfterGroupNeverRuns()
    {
        int num = 0;
        bool t2Cancelled = false;
        Task? t2 = null;
        async Task Runner()
        {
            await TaskGroup.RunAsync(g =>
            {
                _ = g.Spawn(async ct => { await Task.Yield(); throw new DivideByZeroException(); });
                t2 = g.Spawn(async ct =>
                {
                    try
                    {
                        await Forever(ct);
                    }
                    catch (OperationCanceledException)
                    {
                        t2Cancelled = true;
                        throw;
                    }

                    num += 1;
                });
                return Task.CompletedTask;
            });
            num += 10;
        }

        Task runner = Runner();
        TaskGroupException ex = await Assert.ThrowsAsync<TaskGroupException>(() => runner.Guard());
        Assert.IsType<DivideByZeroException>(Assert.Single(ex.InnerExceptions));
        Assert.Equal(0, num);
        Assert.True(t2Cancelled);
        Assert.True(t2!.IsCanceled);
    }

    [Fact]
    public async Task CancelChildrenOnChildError_ErrorsGatheredAndBodyCancelled()
    {
        bool t2Cancelled = false;
        bool runnerCancelled = false;
        Task run = TaskGroup.RunAsync(async g =>
        {
            for (int i = 0; i < 3; i++)
            {
                _ = g.Spawn(async ct => { await Task.Yield(); throw new DivideByZeroException(); });
            }

            _ = g.Spawn(async ct =>
            {
                try
                {
                    await Forever(ct);
                }
                catch (OperationCanceledException)
                {
                    t2Cancelled = true;
                    throw;
                }
            });
            try
            {
                await Forever(g.Token);
            }
            catch (OperationCanceledException)
            {
                runnerCancelled = true;
                throw;
            }
        });
        TaskGroupException ex = await AssertFaulted(run);
        // As in CPython, the three failures race with the cancellation they cause: at least one is
        // recorded, and nothing but DivideByZeroException is.
        Assert.InRange(ex.InnerExceptions.Count, 1, 3);
        Assert.All(ex.InnerExceptions, e => Assert.IsType<DivideByZeroException>(e));
        Assert.True(t2Cancelled);
        Assert.True(runnerCancelled);
    }

    [Fact]
    public async Task Cancellation_OuterCancelCancelsEveryChildAndGroupEndsCanceled()
    {
        using var caller = new CancellationTokenSource();
        int num = 0;
        int running = 0;
        var allRunning = Signal();
        Task run = TaskGroup.RunAsync(g =>
        {
            for (int i = 0; i < 5; i++)
            {
                _ = g.Spawn(async ct =>
                {
                    if (Interlocked.Increment(ref running) == 5)
                    {
                        allRunning.SetResult();
                    }

                    try
                    {
                        await Forever(ct);
                    }
                    catch (OperationCanceledException)
                    {
                        Interlocked.Increment(ref num);
                        throw;
                    }
                });
            }

            return Task.CompletedTask;
        }, caller.Token);
        await allRunning.Task.Guard();
        Assert.False(run.IsCompleted);
        await caller.CancelAsync();
        await AssertCanceled(run, caller.Token);
        Assert.Equal(5, num);
    }

    [Fact]
    public async Task TaskGroup07_OuterCancelWhileBodyAwaits_BodyAndChildrenCancelled()
    {
        using var caller = new CancellationTokenSource();
        int num = 0;
        var bodyWaiting = Signal();
        Task run = TaskGroup.RunAsync(async g =>
        {
            for (int i = 0; i < 5; i++)
            {
                _ = g.Spawn(async ct =>
                {
                    try { await Forever(ct); } catch (OperationCanceledException) { Interlocked.Increment(ref num); throw; }
                });
            }

            try
            {
                bodyWaiting.SetResult();
                await Forever(g.Token);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Add(ref num, 10);
                throw;
            }
        }, caller.Token);
        await bodyWaiting.Task.Guard();
        await caller.CancelAsync();
        await AssertCanceled(run, caller.Token);
        Assert.Equal(15, num);
    }

    [Fact]
    public async Task TaskGroup09_BodyRaisesAfterAwaitAfterSpawning_ChildrenCancelledOnlyBodyErrorReported()
    {
        Task<int>? t1 = null, t2 = null;
        Task run = TaskGroup.RunAsync(async g =>
        {
            t1 = g.Spawn(async ct => { await Forever(ct); return 42; });
            t2 = g.Spawn(async ct => { await Forever(ct); return 11; });
            await Task.Yield();
            throw new DivideByZeroException();
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.IsType<DivideByZeroException>(Assert.Single(ex.InnerExceptions));
        Assert.True(t1!.IsCanceled);
        Assert.True(t2!.IsCanceled);
    }

    [Fact]
    public async Task TaskGroup10_BodyRaisesSynchronouslyAfterSpawning_ChildrenCancelled()
    {
        Task<int>? t1 = null, t2 = null;
        Task run = TaskGroup.RunAsync(g =>
        {
            t1 = g.Spawn(async ct => { await Forever(ct); return 42; });
            t2 = g.Spawn(async ct => { await Forever(ct); return 11; });
            throw new DivideByZeroException();
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.IsType<DivideByZeroException>(Assert.Single(ex.InnerExceptions));
        Assert.True(t1!.IsCanceled);
        Assert.True(t2!.IsCanceled);
    }

    [Fact]
    public async Task TaskGroup11_OuterCancelWithNestedGroups_PropagatesAndEndsCanceled()
    {
        using var caller = new CancellationTokenSource();
        var innerWaiting = Signal();
        Task run = TaskGroup.RunAsync(g1 => TaskGroup.RunAsync(async g2 =>
        {
            for (int i = 0; i < 5; i++)
            {
                _ = g2.Spawn(async ct => { await Forever(ct); throw new DivideByZeroException(); });
            }

            innerWaiting.SetResult();
            await Forever(g2.Token);
        }, g1.Token), caller.Token);
        await innerWaiting.Task.Guard();
        await caller.CancelAsync();
        await AssertCanceled(run, caller.Token);
    }

    [Fact]
    public async Task TaskGroup12_OuterCancelWithSiblingAndNestedGroup_EndsCanceled()
    {
        using var caller = new CancellationTokenSource();
        var innerWaiting = Signal();
        Task run = TaskGroup.RunAsync(g1 =>
        {
            _ = g1.Spawn(ct => Forever(ct));
            return TaskGroup.RunAsync(async g2 =>
            {
                for (int i = 0; i < 5; i++)
                {
                    _ = g2.Spawn(ct => Forever(ct));
                }

                innerWaiting.SetResult();
                await Forever(g2.Token);
            }, g1.Token);
        }, caller.Token);
        await innerWaiting.Task.Guard();
        await caller.CancelAsync();
        await AssertCanceled(run, caller.Token);
    }

    [Fact]
    public async Task TaskGroup13_OuterChildCrashesWhileNestedGroupRuns_OnlyTheCrashReported()
    {
        var innerRunning = Signal();
        Task run = TaskGroup.RunAsync(g1 =>
        {
            _ = g1.Spawn(async ct => { await innerRunning.Task; throw new ArgumentException("0.1"); });
            return TaskGroup.RunAsync(g2 =>
            {
                _ = g2.Spawn(async ct => { innerRunning.SetResult(); await Forever(ct); throw new ArgumentException("10"); });
                return Task.CompletedTask;
            }, g1.Token);
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Equal("0.1", Assert.IsType<ArgumentException>(Assert.Single(ex.InnerExceptions)).Message);
    }

    [Fact]
    public async Task TaskGroup14_NestedGroupCrashes_OuterReportsOneNestedGroupException()
    {
        Task run = TaskGroup.RunAsync(g1 =>
        {
            _ = g1.Spawn(async ct => { await Forever(ct); throw new ArgumentException("10"); });
            return TaskGroup.RunAsync(g2 =>
            {
                _ = g2.Spawn(async ct => { await Task.Yield(); throw new ArgumentException("0.1"); });
                return Task.CompletedTask;
            }, g1.Token);
        });
        TaskGroupException ex = await AssertFaulted(run);
        var nested = Assert.IsType<TaskGroupException>(Assert.Single(ex.InnerExceptions));
        Assert.IsType<ArgumentException>(Assert.Single(nested.InnerExceptions));
    }

    [Fact]
    public async Task TaskGroup15_BodyDelaysAfterOuterCancelThenChildCrashes_EndsFaulted()
    {
        // CPython 15 expects CancelledError: there a child crash during the body's delayed cleanup
        // is dropped because the parent task was cancelled. Here errors win over cancellation (spec),
        // so the crash during the delay is reported and the caller's token stays cancelled.
        using var caller = new CancellationTokenSource();
        var bodyCancelled = Signal();
        var crash = Signal();
        Task run = TaskGroup.RunAsync(async g =>
        {
            _ = g.Spawn(async ct => { await crash.Task; throw new DivideByZeroException(); });
            try
            {
                await Forever(g.Token);
            }
            catch (OperationCanceledException)
            {
                bodyCancelled.SetResult();
                await crash.Task; // ignores cancellation for a while
                throw;
            }
        }, caller.Token);
        await caller.CancelAsync();
        await bodyCancelled.Task.Guard();
        crash.SetResult();
        TaskGroupException ex = await AssertFaulted(run);
        Assert.IsType<DivideByZeroException>(Assert.Single(ex.InnerExceptions));
    }

    [Fact]
    public async Task TaskGroup15_BodyDelaysAfterOuterCancel_GroupWaitsAndEndsCanceled()
    {
        using var caller = new CancellationTokenSource();
        var bodyCancelled = Signal();
        var release = Signal();
        Task run = TaskGroup.RunAsync(async g =>
        {
            _ = g.Spawn(ct => Forever(ct));
            try
            {
                await Forever(g.Token);
            }
            catch (OperationCanceledException)
            {
                bodyCancelled.SetResult();
                await release.Task;
                throw;
            }
        }, caller.Token);
        await caller.CancelAsync();
        await bodyCancelled.Task.Guard();
        Assert.False(run.IsCompleted);
        release.SetResult();
        await AssertCanceled(run, caller.Token);
    }

    [Fact]
    public async Task TaskGroup17_OuterCancelNoChildren_BodyCancelledAndGroupCanceled()
    {
        using var caller = new CancellationTokenSource();
        int num = 0;
        var waiting = Signal();
        Task run = TaskGroup.RunAsync(async g =>
        {
            try
            {
                waiting.SetResult();
                await Forever(g.Token);
            }
            catch (OperationCanceledException)
            {
                num += 10;
                throw;
            }
        }, caller.Token);
        await waiting.Task.Guard();
        await caller.CancelAsync();
        await AssertCanceled(run, caller.Token);
        Assert.Equal(10, num);
    }

    [Fact]
    public async Task TaskGroup18_BodyTurnsOuterCancelIntoError_EndsFaultedWithThatError()
    {
        using var caller = new CancellationTokenSource();
        var waiting = Signal();
        Task run = TaskGroup.RunAsync(async g =>
        {
            try
            {
                waiting.SetResult();
                await Forever(g.Token);
            }
            catch (OperationCanceledException)
            {
                throw new InvalidDataException("MyExc"); // not a good idea, but supported
            }
        }, caller.Token);
        await waiting.Task.Guard();
        await caller.CancelAsync();
        TaskGroupException ex = await AssertFaulted(run);
        Assert.IsType<InvalidDataException>(Assert.Single(ex.InnerExceptions));
    }

    [Fact]
    public async Task TaskGroup19_ChildCrashAndBodyRaisesInFinally_BothReported()
    {
        Task run = TaskGroup.RunAsync(async g =>
        {
            _ = g.Spawn(async ct => { await Task.Yield(); throw new DivideByZeroException(); });
            try
            {
                await Forever(g.Token);
            }
            finally
            {
                throw new InvalidDataException("MyExc");
            }
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Equal(2, ex.InnerExceptions.Count);
        Assert.IsType<DivideByZeroException>(ex.InnerExceptions[0]);
        Assert.IsType<InvalidDataException>(ex.InnerExceptions[1]);
    }

    [Fact]
    public async Task TaskGroup22_OuterCancelWithRunningChildren_EndsCanceled()
    {
        using var caller = new CancellationTokenSource();
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(async ct => { await Forever(ct); return 42; });
            _ = g.Spawn(async ct => { await Forever(ct); return 11; });
            return Task.CompletedTask;
        }, caller.Token);
        await caller.CancelAsync();
        await AssertCanceled(run, caller.Token);
    }

    [Fact]
    public async Task TaskGroup24_ChildSpawnsMoreChildrenLater_AllAwaited()
    {
        int done = 0;
        await TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(async ct =>
            {
                await Task.Yield();
                _ = g.Spawn(async c => { await Task.Yield(); Interlocked.Increment(ref done); });
                _ = g.Spawn(async c => { await Task.Yield(); await Task.Yield(); Interlocked.Increment(ref done); });
            });
            return Task.CompletedTask;
        }).Guard();
        Assert.Equal(2, done);
    }

    [Fact]
    public async Task TaskGroup25_HydraSpawningDuringCancellation_GroupStillTerminates()
    {
        int hydras = 0;
        var enough = Signal();
        async Task Hydra(TaskGroup g, CancellationToken ct)
        {
            if (Interlocked.Increment(ref hydras) >= 10)
            {
                enough.TrySetResult();
            }

            await Task.Delay(1, ct);
            _ = g.Spawn(c => Hydra(g, c));
            _ = g.Spawn(c => Hydra(g, c));
        }

        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(c => Hydra(g, c));
            _ = g.Spawn(async ct => { await enough.Task; throw new DivideByZeroException(); });
            return Task.CompletedTask;
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.IsType<DivideByZeroException>(Assert.Single(ex.InnerExceptions));
        Assert.True(hydras >= 10);
    }

    [Fact]
    public async Task ChildIgnoresCancellationForAWhile_GroupWaitsThenSucceeds()
    {
        // CPython test_taskgroup_05 style: a child catches the cancellation, keeps working, re-raises.
        int steps = 0;
        TaskGroup? seen = null;
        Task run = TaskGroup.RunAsync(g =>
        {
            seen = g;
            _ = g.Spawn(async ct =>
            {
                try
                {
                    await Forever(ct);
                }
                catch (OperationCanceledException)
                {
                    for (int i = 0; i < 30; i++)
                    {
                        await Task.Yield();
                        steps++;
                    }

                    throw;
                }
            });
            _ = g.Spawn(async ct => { await Task.Yield(); g.Cancel(); });
            return Task.CompletedTask;
        });
        await AssertSucceeded(run);
        Assert.Equal(30, steps);
        Assert.True(seen!.CancellationCaught);
    }

    [Fact]
    public async Task CreateTaskAfterExit_SpawnThrows()
    {
        TaskGroup? seen = null;
        await TaskGroup.RunAsync(g => { seen = g; return Task.CompletedTask; }).Guard();
        bool ran = false;
        Assert.Throws<InvalidOperationException>(() => { _ = seen!.Spawn(ct => { ran = true; return Task.CompletedTask; }); });
        Assert.False(ran);
    }

    [Fact]
    public async Task CreateTaskDuringShutdownAfterError_StartsCancelledAndIsAwaited()
    {
        // CPython refuses create_task while shutting down; this API accepts it and starts the child
        // with a cancelled token (documented decision), so its cleanup runs and is awaited.
        bool lateCleanupRan = false;
        bool lateStartedCancelled = false;
        var failed = Signal();
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(async ct => { await Task.Yield(); failed.SetResult(); throw new DivideByZeroException(); });
            _ = g.Spawn(async ct =>
            {
                await failed.Task;
                await WhenCancelled(ct);
                _ = g.Spawn(async late =>
                {
                    lateStartedCancelled = late.IsCancellationRequested;
                    try { await Forever(late); } finally { await Task.Yield(); lateCleanupRan = true; }
                });
            });
            return Task.CompletedTask;
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.IsType<DivideByZeroException>(Assert.Single(ex.InnerExceptions));
        Assert.True(lateStartedCancelled);
        Assert.True(lateCleanupRan);
    }

    // --- Python 3.15 TaskGroup.cancel() (the seed's request) -------------------------------------

    [Fact]
    public async Task Cancel_StopsChildrenAndBodyAndEndsQuietly()
    {
        int stopped = 0;
        TaskGroup? seen = null;
        Task run = TaskGroup.RunAsync(async g =>
        {
            seen = g;
            for (int i = 0; i < 3; i++)
            {
                _ = g.Spawn(async ct => { try { await Forever(ct); } finally { Interlocked.Increment(ref stopped); } });
            }

            _ = g.Spawn(async ct => { await Task.Yield(); g.Cancel(); });
            try { await Forever(g.Token); } finally { Interlocked.Increment(ref stopped); }
        });
        await AssertSucceeded(run);
        Assert.Equal(4, stopped);
        Assert.True(seen!.CancellationCaught);
    }

    [Fact]
    public async Task Cancel_FromNestedGroupChild_StopsOnlyTheInnerGroup()
    {
        bool outerSiblingRan = false;
        var innerDone = Signal();
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(async ct => { await innerDone.Task; outerSiblingRan = !ct.IsCancellationRequested; });
            _ = g.Spawn(async ct =>
            {
                await TaskGroup.RunAsync(inner =>
                {
                    _ = inner.Spawn(c => Forever(c));
                    _ = inner.Spawn(async c => { await Task.Yield(); inner.Cancel(); });
                    return Task.CompletedTask;
                }, ct);
                innerDone.SetResult();
            });
            return Task.CompletedTask;
        });
        await AssertSucceeded(run);
        Assert.True(outerSiblingRan);
    }

    [Fact]
    public async Task Gh155433_CallerCancelledAfterGroupCancel_EndsCanceled()
    {
        // An outer timeout/cancellation arriving after group.cancel() must not be swallowed.
        using var caller = new CancellationTokenSource();
        var cancelled = Signal();
        var callerCancelled = Signal();
        TaskGroup? seen = null;
        Task run = TaskGroup.RunAsync(async g =>
        {
            seen = g;
            _ = g.Spawn(async ct => { try { await Forever(ct); } finally { await callerCancelled.Task; } });
            g.Cancel();
            cancelled.SetResult();
            await callerCancelled.Task;
        }, caller.Token);
        await cancelled.Task.Guard();
        caller.CancelAfter(TimeSpan.FromMilliseconds(1)); // a real timeout, like asyncio.timeout()
        await WhenCancelled(caller.Token).Guard();
        callerCancelled.SetResult();
        await AssertCanceled(run, caller.Token);
        Assert.False(seen!.CancellationCaught);
    }

    [Fact]
    public async Task Gh116720_NestedGroupDoesNotSwallowParentCancellation()
    {
        // The inner group is already cancelling itself when the parent is cancelled: the inner group
        // must end Canceled, so the code after it never runs and the parent ends Canceled.
        using var caller = new CancellationTokenSource();
        var innerCleaning = Signal();
        var release = Signal();
        bool ranAfterInner = false;
        Task run = TaskGroup.RunAsync(async outer =>
        {
            await TaskGroup.RunAsync(inner =>
            {
                _ = inner.Spawn(async ct => { try { await Forever(ct); } finally { innerCleaning.SetResult(); await release.Task; } });
                inner.Cancel();
                return Task.CompletedTask;
            }, outer.Token);
            ranAfterInner = true;
        }, caller.Token);
        await innerCleaning.Task.Guard();
        await caller.CancelAsync();
        release.SetResult();
        await AssertCanceled(run, caller.Token);
        Assert.False(ranAfterInner);
    }
}
