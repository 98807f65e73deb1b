using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit;

/// <summary>Invariant 4: nested groups never swallow an outer cancellation, and an inner group's own
/// Cancel() never cancels the outer group (CPython gh-116720).</summary>
public class NestingTests
{
    [Fact]
    public async Task Invariant4_InnerCancel_DoesNotCancelOuter()
    {
        TaskGroup? outer = null;
        TaskGroup? inner = null;
        bool siblingStillRunning = false;
        var innerDone = Signal();
        Task run = TaskGroup.RunAsync(g =>
        {
            outer = g;
            _ = g.Spawn(async ct =>
            {
                await innerDone.Task;
                siblingStillRunning = !ct.IsCancellationRequested;
            });
            _ = g.Spawn(async ct =>
            {
                await TaskGroup.RunAsync(i =>
                {
                    inner = i;
                    _ = i.Spawn(ct2 => Forever(ct2));
                    i.Cancel();
                    return Task.CompletedTask;
                }, ct);
                innerDone.SetResult();
            });
            return Task.CompletedTask;
        });
        await AssertSucceeded(run);
        Assert.True(siblingStillRunning);
        Assert.True(inner!.CancellationCaught);
        Assert.False(outer!.IsCancellationRequested);
        Assert.False(outer.CancellationCaught);
    }

    [Fact]
    public async Task Invariant4_OuterCancel_InnerEndsCanceledWithOuterTokenAndCodeAfterItNeverRuns()
    {
        TaskGroup? outer = null;
        Task? innerRun = null;
        bool ranAfterInner = false;
        var innerRunning = Signal();
        Task run = TaskGroup.RunAsync(async g =>
        {
            outer = g;
            _ = g.Spawn(async ct =>
            {
                innerRun = TaskGroup.RunAsync(i =>
                {
                    _ = i.Spawn(ct2 => Forever(ct2));
                    innerRunning.SetResult();
                    return Task.CompletedTask;
                }, ct);
                await innerRun;
                ranAfterInner = true;
            });
            await innerRunning.Task;
            g.Cancel();
        });
        await AssertSucceeded(run);
        Assert.True(outer!.CancellationCaught);
        Assert.False(ranAfterInner);
        Assert.Equal(TaskStatus.Canceled, innerRun!.Status);
        var oce = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => innerRun);
        Assert.Equal(outer.Token, oce.CancellationToken);
    }

    [Fact]
    public async Task Invariant4_InnerCancelsItselfThenOuterCancelled_InnerDoesNotSwallow()
    {
        // CPython gh-116720: an inner group that had cancelled itself absorbed the parent's cancellation.
        TaskGroup? outer = null;
        Task? innerRun = null;
        bool ranAfterInner = false;
        var innerCleaning = Signal();
        var release = Signal();
        Task run = TaskGroup.RunAsync(async g =>
        {
            outer = g;
            _ = g.Spawn(async ct =>
            {
                innerRun = TaskGroup.RunAsync(i =>
                {
                    _ = i.Spawn(async ct2 =>
                    {
                        try
                        {
                            await Forever(ct2);
                        }
                        finally
                        {
                            innerCleaning.SetResult();
                            await release.Task;
                        }
                    });
                    i.Cancel();
                    return Task.CompletedTask;
                }, ct);
                await innerRun;
                ranAfterInner = true;
            });
            await innerCleaning.Task;
            g.Cancel();
            release.SetResult();
        });
        await AssertSucceeded(run);
        Assert.False(ranAfterInner);
        Assert.Equal(TaskStatus.Canceled, innerRun!.Status);
        Assert.True(outer!.CancellationCaught);
    }

    [Fact]
    public async Task Invariant4_OuterCancelRacingInnerCancel_InnerNeverSucceedsOnceOuterCancelledFirst()
    {
        await Repeat(300, async iteration =>
        {
            Task? innerRun = null;
            var go = Signal();
            var hold = Signal();
            Task run = TaskGroup.RunAsync(g =>
            {
                _ = g.Spawn(async ct =>
                {
                    innerRun = TaskGroup.RunAsync(i =>
                    {
                        _ = i.Spawn(async ct2 =>
                        {
                            try
                            {
                                await Forever(ct2);
                            }
                            finally
                            {
                                await hold.Task;
                            }
                        });
                        _ = Task.Run(async () => { await go.Task; await Jitter(); i.Cancel(); });
                        return Task.CompletedTask;
                    }, ct);
                    try
                    {
                        await innerRun;
                    }
                    catch (OperationCanceledException)
                    {
                    }
                });
                Task a = Task.Run(async () => { await go.Task; await Jitter(); g.Cancel(); });
                _ = a.ContinueWith(_ => hold.SetResult(), TaskScheduler.Default);
                go.SetResult();
                return Task.CompletedTask;
            });
            await AssertSucceeded(run);
            // The outer Cancel() returned before the inner group could complete (hold), so the
            // inner group must report the outer cancellation.
            Assert.Equal(TaskStatus.Canceled, innerRun!.Status);
        });
    }

    [Fact]
    public async Task Invariant4_CallerCancel_PropagatesThroughThreeLevels()
    {
        using var caller = new CancellationTokenSource();
        var deepest = Signal();
        int observed = 0;
        Task run = TaskGroup.RunAsync(g1 =>
        {
            _ = g1.Spawn(ct1 => TaskGroup.RunAsync(g2 =>
            {
                _ = g2.Spawn(ct2 => TaskGroup.RunAsync(g3 =>
                {
                    _ = g3.Spawn(async ct3 =>
                    {
                        deepest.SetResult();
                        await WhenCancelled(ct3);
                        Interlocked.Increment(ref observed);
                        ct3.ThrowIfCancellationRequested();
                    });
                    return Task.CompletedTask;
                }, ct2));
                return Task.CompletedTask;
            }, ct1));
            return Task.CompletedTask;
        }, caller.Token);
        await deepest.Task.Guard();
        await caller.CancelAsync();
        await AssertCanceled(run, caller.Token);
        Assert.Equal(1, observed);
    }

    [Fact]
    public async Task Invariant4_InnerFailure_CancelsOuterSiblingsAndNestsAsOneException()
    {
        var boom = Boom("inner");
        bool siblingCancelled = false;
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(async ct => { await WhenCancelled(ct); siblingCancelled = true; });
            _ = g.Spawn(ct => TaskGroup.RunAsync(i =>
            {
                _ = i.Spawn(async ct2 => { await Task.Yield(); throw boom; });
                return Task.CompletedTask;
            }, ct));
            return Task.CompletedTask;
        });
        TaskGroupException ex = await AssertFaulted(run);
        var nested = Assert.IsType<TaskGroupException>(Assert.Single(ex.InnerExceptions));
        Assert.Same(boom, Assert.Single(nested.InnerExceptions));
        Assert.True(siblingCancelled);
    }

    [Fact]
    public async Task Invariant4_OuterFailure_InnerCancelledAndNotReportedAsFailure()
    {
        var boom = Boom("outer");
        Task? innerRun = null;
        var innerRunning = Signal();
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(async ct => { await innerRunning.Task; throw boom; });
            _ = g.Spawn(ct => innerRun = TaskGroup.RunAsync(i =>
            {
                _ = i.Spawn(ct2 => Forever(ct2));
                innerRunning.SetResult();
                return Task.CompletedTask;
            }, ct));
            return Task.CompletedTask;
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Same(boom, Assert.Single(ex.InnerExceptions));
        Assert.Equal(TaskStatus.Canceled, innerRun!.Status);
    }

    [Fact]
    public async Task Invariant4_InnerGroupUsesUnrelatedToken_OuterCancelDoesNotReachIt()
    {
        // Nesting is by token: a group that is not given the outer token is independent.
        TaskGroup? inner = null;
        var release = Signal();
        Task run = TaskGroup.RunAsync(async g =>
        {
            Task innerRun = TaskGroup.RunAsync(i => { inner = i; return release.Task; });
            g.Cancel();
            Assert.False(inner!.IsCancellationRequested);
            release.SetResult();
            await innerRun;
        });
        await AssertSucceeded(run);
    }
}
