using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit;

/// <summary>Invariants 5 (no lost errors) and 6 (fail-fast).</summary>
public class FailureTests
{
    [Fact]
    public async Task Invariant5_ExceptionInFinallyDuringCancellation_IsReported()
    {
        var cleanup = Boom("cleanup");
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
                finally
                {
                    throw cleanup;
                }
            });
            g.Cancel();
            return Task.CompletedTask;
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Same(cleanup, Assert.Single(ex.InnerExceptions));
        Assert.False(seen!.CancellationCaught);
    }

    [Fact]
    public async Task Invariant5_ExceptionInAsyncCleanupAfterFailure_IsReportedAfterTheFirst()
    {
        var first = Boom("first");
        var cleanup = Boom("cleanup");
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(async ct =>
            {
                try
                {
                    await Forever(ct);
                }
                catch (OperationCanceledException)
                {
                    await Task.Yield();
                    throw cleanup;
                }
            });
            _ = g.Spawn(async ct => { await Task.Yield(); throw first; });
            return Task.CompletedTask;
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Equal(new Exception[] { first, cleanup }, ex.InnerExceptions);
    }

    [Fact]
    public async Task Invariant5_SynchronousThrowInSpawnDelegate_ReportedAndSpawnDoesNotThrow()
    {
        var sync = Boom("sync");
        Task? child = null;
        bool spawnReturned = false;
        Task run = TaskGroup.RunAsync(g =>
        {
            child = g.Spawn(ct => throw sync);
            spawnReturned = true;
            return Task.CompletedTask;
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.True(spawnReturned);
        Assert.Same(sync, Assert.Single(ex.InnerExceptions));
        Assert.True(child!.IsFaulted);
        Assert.Same(sync, child.Exception!.InnerException);
    }

    [Fact]
    public async Task Invariant5_SpawnOfT_ReturnsChildTaskCarryingItsOutcome()
    {
        var boom = Boom("typed");
        Task<int>? child = null;
        Task run = TaskGroup.RunAsync(g =>
        {
            child = g.Spawn<int>(async ct => { await Task.Yield(); throw boom; });
            return Task.CompletedTask;
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Same(boom, Assert.Single(ex.InnerExceptions));
        Assert.Same(boom, await Assert.ThrowsAsync<TestFailureException>(() => child!));
    }

    [Fact]
    public async Task Invariant5_TokenCallbackThrows_IsReportedAndCancelDoesNotThrow()
    {
        var callback = Boom("callback");
        bool cancelReturned = false;
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(async ct =>
            {
                // Not disposed: a registration disposed before Cancel() reaches it never runs.
                _ = ct.Register(() => throw callback);
                await Forever(ct);
            });
            g.Cancel();
            cancelReturned = true;
            return Task.CompletedTask;
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.True(cancelReturned);
        Assert.Same(callback, Assert.Single(ex.InnerExceptions));
    }

    [Fact]
    public async Task Invariant5_NullTaskFromDelegate_IsAFailure()
    {
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(ct => null!);
            return Task.CompletedTask;
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.IsType<InvalidOperationException>(Assert.Single(ex.InnerExceptions));
    }

    [Fact]
    public async Task Invariant5_BodyAndChildrenFail_AllReported()
    {
        var child = Boom("child");
        var body = Boom("body");
        Task run = TaskGroup.RunAsync(async g =>
        {
            _ = g.Spawn(async ct => { try { await Forever(ct); } finally { throw child; } });
            await Task.Yield();
            throw body;
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Equal(new Exception[] { body, child }, ex.InnerExceptions);
    }

    [Fact]
    public async Task Invariant5_ManyConcurrentFailuresWithJitter_NoneLost()
    {
        await Repeat(150, async iteration =>
        {
            const int children = 24;
            var thrown = new Exception[children];
            var go = Signal();
            Task run = TaskGroup.RunAsync(g =>
            {
                for (int i = 0; i < children; i++)
                {
                    int n = i;
                    thrown[n] = Boom($"c{n}");
                    _ = g.Spawn(async ct =>
                    {
                        if (n % 3 == 0)
                        {
                            try
                            {
                                await Forever(ct);
                            }
                            finally
                            {
                                await Jitter();
                                throw thrown[n];
                            }
                        }

                        await go.Task;
                        await Jitter();
                        throw thrown[n];
                    });
                }

                go.SetResult();
                return Task.CompletedTask;
            });
            TaskGroupException ex = await AssertFaulted(run);
            Assert.Equal(children, ex.InnerExceptions.Count);
            Assert.Equal(thrown.ToHashSet(), ex.InnerExceptions.ToHashSet());
        });
    }

    [Fact]
    public async Task Invariant6_FirstFailure_CancelsSiblingsAndBody()
    {
        bool siblingCancelled = false;
        bool bodyCancelled = false;
        Task run = TaskGroup.RunAsync(async g =>
        {
            _ = g.Spawn(async ct => { await WhenCancelled(ct); siblingCancelled = true; });
            _ = g.Spawn(async ct => { await Task.Yield(); throw Boom("x"); });
            await WhenCancelled(g.Token);
            bodyCancelled = true;
        });
        await AssertFaulted(run);
        Assert.True(siblingCancelled);
        Assert.True(bodyCancelled);
    }

    [Fact]
    public async Task Invariant6_FailureCancelsSynchronously_SiblingsTokenCancelledBeforeFailureCompletes()
    {
        bool tokenCancelledRightAfter = false;
        Task run = TaskGroup.RunAsync(async g =>
        {
            _ = g.Spawn(ct => Forever(ct));
            _ = g.Spawn(ct => throw Boom("sync"));
            tokenCancelledRightAfter = g.Token.IsCancellationRequested; // recorded inside Spawn
            await Task.Yield();
        });
        await AssertFaulted(run);
        Assert.True(tokenCancelledRightAfter);
    }

    [Fact]
    public async Task Invariant6_BodyFailure_CancelsChildren()
    {
        int cancelled = 0;
        Task run = TaskGroup.RunAsync(g =>
        {
            for (int i = 0; i < 3; i++)
            {
                _ = g.Spawn(async ct => { await WhenCancelled(ct); Interlocked.Increment(ref cancelled); });
            }

            throw Boom("body");
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Single(ex.InnerExceptions);
        Assert.Equal(3, cancelled);
    }

    [Fact]
    public async Task Invariant6_FailureRacingCancel_FaultedAndCancellationNotCaught()
    {
        await Repeat(300, async iteration =>
        {
            TaskGroup? seen = null;
            var go = Signal();
            var boom = Boom("race");
            Task run = TaskGroup.RunAsync(g =>
            {
                seen = g;
                _ = g.Spawn(async ct => { await go.Task; await Jitter(); throw boom; });
                _ = g.Spawn(async ct => { await go.Task; await Jitter(); g.Cancel(); });
                _ = g.Spawn(ct => Forever(ct));
                go.SetResult();
                return Task.CompletedTask;
            });
            TaskGroupException ex = await AssertFaulted(run);
            Assert.Same(boom, Assert.Single(ex.InnerExceptions));
            Assert.False(seen!.CancellationCaught);
        });
    }
}
