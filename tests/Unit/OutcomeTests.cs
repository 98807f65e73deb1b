using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit;

/// <summary>Every row of the outcome table in spec/semantics.md, on the real thread pool.</summary>
public class OutcomeTests
{
    [Fact]
    public async Task RunAsync_NoChildren_RanToCompletion()
    {
        TaskGroup? seen = null;
        Task run = TaskGroup.RunAsync(g => { seen = g; return Task.CompletedTask; });
        await AssertSucceeded(run);
        Assert.False(seen!.CancellationCaught);
        Assert.False(seen.IsCancellationRequested);
    }

    [Fact]
    public async Task RunAsync_ChildrenSucceed_RanToCompletionWithResults()
    {
        Task<int>? a = null, b = null;
        Task run = TaskGroup.RunAsync(async g =>
        {
            a = g.Spawn(async ct => { await Task.Yield(); return 42; });
            b = g.Spawn(async ct => { await Task.Yield(); return 11; });
            await Task.Yield();
        });
        await AssertSucceeded(run);
        Assert.Equal(42, await a!);
        Assert.Equal(11, await b!);
    }

    [Fact]
    public async Task RunAsync_GroupCancelsItself_RanToCompletionAndCancellationCaught()
    {
        TaskGroup? seen = null;
        var started = Signal();
        Task run = TaskGroup.RunAsync(g =>
        {
            seen = g;
            _ = g.Spawn(async ct => { started.SetResult(); await Forever(ct); });
            _ = g.Spawn(async ct => { await started.Task; g.Cancel(); });
            return Task.CompletedTask;
        });
        await AssertSucceeded(run);
        Assert.True(seen!.CancellationCaught);
        Assert.True(seen.IsCancellationRequested);
    }

    [Fact]
    public async Task RunAsync_GroupCancelsItselfFromBody_RanToCompletion()
    {
        TaskGroup? seen = null;
        Task run = TaskGroup.RunAsync(async g =>
        {
            seen = g;
            _ = g.Spawn(ct => Forever(ct));
            g.Cancel();
            await Forever(g.Token); // the body, too, ends with the own signal
        });
        await AssertSucceeded(run);
        Assert.True(seen!.CancellationCaught);
    }

    [Fact]
    public async Task RunAsync_CallerTokenCancelled_CanceledWithCallerToken()
    {
        using var caller = new CancellationTokenSource();
        var running = Signal();
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(async ct => { running.SetResult(); await Forever(ct); });
            return Forever(g.Token);
        }, caller.Token);
        await running.Task.Guard();
        Assert.False(run.IsCompleted);
        await caller.CancelAsync();
        await AssertCanceled(run, caller.Token);
    }

    [Fact]
    public async Task RunAsync_CallerTokenAlreadyCancelled_BodyStartsCancelledAndGroupCanceled()
    {
        using var caller = new CancellationTokenSource();
        caller.Cancel();
        bool bodySawCancelled = false;
        bool childSawCancelled = false;
        TaskGroup? seen = null;
        Task run = TaskGroup.RunAsync(g =>
        {
            seen = g;
            bodySawCancelled = g.Token.IsCancellationRequested;
            _ = g.Spawn(ct => { childSawCancelled = ct.IsCancellationRequested; return Task.CompletedTask; });
            return Task.CompletedTask;
        }, caller.Token);
        await AssertCanceled(run, caller.Token);
        Assert.True(bodySawCancelled);
        Assert.True(childSawCancelled);
        Assert.False(seen!.CancellationCaught);
    }

    [Fact]
    public async Task RunAsync_CallerTokenCancelledButNobodyThrows_StillCanceled()
    {
        // Decided by state: every child returns normally, yet the caller's cancellation is not swallowed.
        using var caller = new CancellationTokenSource();
        Task run = TaskGroup.RunAsync(async g =>
        {
            _ = g.Spawn(async ct => { await WhenCancelled(ct); });
            await caller.CancelAsync();
            await WhenCancelled(g.Token);
        }, caller.Token);
        await AssertCanceled(run, caller.Token);
    }

    [Fact]
    public async Task RunAsync_CallerAndGroupBothCancel_CanceledAndCancellationNotCaught()
    {
        using var caller = new CancellationTokenSource();
        TaskGroup? seen = null;
        Task run = TaskGroup.RunAsync(async g =>
        {
            seen = g;
            _ = g.Spawn(ct => Forever(ct));
            g.Cancel();
            await caller.CancelAsync();
        }, caller.Token);
        await AssertCanceled(run, caller.Token);
        Assert.False(seen!.CancellationCaught);
    }

    [Fact]
    public async Task RunAsync_OneChildFails_FaultedWithThatFailureOnly()
    {
        var boom = Boom("child");
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(ct => Forever(ct)); // ends with the own signal: not a failure
            _ = g.Spawn(async ct => { await Task.Yield(); throw boom; });
            return Task.CompletedTask;
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Same(boom, Assert.Single(ex.InnerExceptions));
        Assert.IsAssignableFrom<AggregateException>(ex);
    }

    [Fact]
    public async Task RunAsync_SynchronousFailures_AllKeptInOrder()
    {
        var e1 = Boom("1");
        var e2 = Boom("2");
        var e3 = Boom("3");
        var body = Boom("body");
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(ct => throw e1);
            _ = g.Spawn(ct => Task.FromException(e2));
            _ = g.Spawn<int>(ct => throw e3);
            throw body;
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Equal(new Exception[] { e1, e2, e3, body }, ex.InnerExceptions);
    }

    [Fact]
    public async Task RunAsync_FailureThenCleanupFailures_FirstFailureFirstAndNoneLost()
    {
        await Repeat(100, async iteration =>
        {
            var first = Boom("first");
            var cleanupA = Boom("cleanupA");
            var cleanupB = Boom("cleanupB");
            var go = Signal();
            Task run = TaskGroup.RunAsync(g =>
            {
                _ = g.Spawn(async ct => { try { await Forever(ct); } finally { await Jitter(); throw cleanupA; } });
                _ = g.Spawn(async ct => { try { await Forever(ct); } finally { await Jitter(); throw cleanupB; } });
                _ = g.Spawn(async ct => { await go.Task; await Jitter(); throw first; });
                go.SetResult();
                return Task.CompletedTask;
            });
            TaskGroupException ex = await AssertFaulted(run);
            Assert.Equal(3, ex.InnerExceptions.Count);
            Assert.Same(first, ex.InnerExceptions[0]);
            Assert.Contains(cleanupA, ex.InnerExceptions);
            Assert.Contains(cleanupB, ex.InnerExceptions);
        });
    }

    [Fact]
    public async Task RunAsync_FailureAndCallerCancelled_FaultedBecauseErrorsWin()
    {
        using var caller = new CancellationTokenSource();
        var boom = Boom("cleanup");
        Task run = TaskGroup.RunAsync(async g =>
        {
            _ = g.Spawn(async ct => { try { await Forever(ct); } finally { throw boom; } });
            await caller.CancelAsync();
        }, caller.Token);
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Same(boom, Assert.Single(ex.InnerExceptions));
        Assert.True(caller.IsCancellationRequested); // nothing lost: the caller's token stays cancelled
    }

    [Fact]
    public async Task RunAsync_NestedGroupFails_AppearsAsOneInnerException()
    {
        var a = Boom("a");
        var b = Boom("b");
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(ct => TaskGroup.RunAsync(inner =>
            {
                _ = inner.Spawn(ct2 => throw a);
                _ = inner.Spawn(ct2 => throw b);
                return Task.CompletedTask;
            }, ct));
            return Task.CompletedTask;
        });
        TaskGroupException ex = await AssertFaulted(run);
        var nested = Assert.IsType<TaskGroupException>(Assert.Single(ex.InnerExceptions));
        Assert.Equal(new Exception[] { a, b }, nested.InnerExceptions);
    }

    [Fact]
    public async Task RunAsync_ChildOceForPrivateToken_IsFailureNeverSwallowed()
    {
        using var privateCts = new CancellationTokenSource();
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(async ct =>
            {
                await privateCts.CancelAsync(); // the child's own timeout, say
                await Task.Delay(System.Threading.Timeout.Infinite, privateCts.Token);
            });
            return Task.CompletedTask;
        });
        TaskGroupException ex = await AssertFaulted(run);
        var oce = Assert.IsAssignableFrom<OperationCanceledException>(Assert.Single(ex.InnerExceptions));
        Assert.Equal(privateCts.Token, oce.CancellationToken);
    }

    [Fact]
    public async Task RunAsync_ChildOcePrivateTokenWhileGroupCancelled_IsOwnSignal()
    {
        // Own-signal rule, second revision: an OCE observed while the group's token is cancelled
        // belongs to the group, whatever token it carries (Trio's rule).
        using var privateCts = new CancellationTokenSource();
        TaskGroup? seen = null;
        Task run = TaskGroup.RunAsync(g =>
        {
            seen = g;
            _ = g.Spawn(async ct =>
            {
                g.Cancel();
                await privateCts.CancelAsync();
                privateCts.Token.ThrowIfCancellationRequested();
            });
            return Task.CompletedTask;
        });
        await AssertSucceeded(run);
        Assert.True(seen!.CancellationCaught);
    }

    [Fact]
    public async Task RunAsync_OceForGroupTokenWhileGroupNotCancelled_IsFailure()
    {
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(async ct => { await Task.Yield(); throw new OperationCanceledException(ct); });
            return Task.CompletedTask;
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.IsAssignableFrom<OperationCanceledException>(Assert.Single(ex.InnerExceptions));
    }

    [Fact]
    public async Task RunAsync_BodyThrowsOceForGroupTokenWhileNotCancelled_IsFailure()
    {
        Task run = TaskGroup.RunAsync(g => throw new OperationCanceledException(g.Token));
        TaskGroupException ex = await AssertFaulted(run);
        Assert.IsAssignableFrom<OperationCanceledException>(Assert.Single(ex.InnerExceptions));
    }

    [Fact]
    public async Task RunAsync_OceWithoutToken_IsFailure()
    {
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(async ct => { await Task.Yield(); throw new OperationCanceledException(); });
            return Task.CompletedTask;
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.IsAssignableFrom<OperationCanceledException>(Assert.Single(ex.InnerExceptions));
    }

    [Fact]
    public async Task RunAsync_OceForGroupTokenAfterCancel_IsSuppressed()
    {
        TaskGroup? seen = null;
        Task run = TaskGroup.RunAsync(g =>
        {
            seen = g;
            _ = g.Spawn(ct => { g.Cancel(); ct.ThrowIfCancellationRequested(); return Task.CompletedTask; });
            _ = g.Spawn(ct => throw new OperationCanceledException(ct));
            _ = g.Spawn<int>(async ct => { await Task.Yield(); throw new OperationCanceledException(ct); });
            return Task.CompletedTask;
        });
        await AssertSucceeded(run);
        Assert.True(seen!.CancellationCaught);
    }

    [Fact]
    public async Task RunAsync_SiblingsEndingWithOwnSignalAfterFailure_OnlyRealFailureReported()
    {
        var boom = Boom("x");
        Task run = TaskGroup.RunAsync(async g =>
        {
            for (int i = 0; i < 5; i++)
            {
                _ = g.Spawn(ct => Forever(ct));
            }

            _ = g.Spawn(async ct => { await Task.Yield(); throw boom; });
            await Forever(g.Token);
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Same(boom, Assert.Single(ex.InnerExceptions));
    }

    [Fact]
    public async Task RunAsync_ChildOceForCallerToken_IsNotAFailure()
    {
        using var caller = new CancellationTokenSource();
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(async ct =>
            {
                await caller.CancelAsync();
                caller.Token.ThrowIfCancellationRequested();
            });
            return Task.CompletedTask;
        }, caller.Token);
        await AssertCanceled(run, caller.Token);
    }

    [Fact]
    public async Task CancellationCaught_WhileRunningAndAfterFailure_False()
    {
        TaskGroup? seen = null;
        bool caughtWhileRunning = true;
        Task run = TaskGroup.RunAsync(g =>
        {
            seen = g;
            g.Cancel();
            caughtWhileRunning = g.CancellationCaught;
            throw Boom("after cancel");
        });
        await AssertFaulted(run);
        Assert.False(caughtWhileRunning);
        Assert.False(seen!.CancellationCaught);
    }
}
