using Microsoft.Extensions.Time.Testing;
using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit.Features;

/// <summary>TaskGroupOptions.Timeout (Trio's fail_after) and CancelAfter (move_on_after) on a FakeTimeProvider.</summary>
public class DeadlineTests
{
    /// <summary>A child blocked until cancelled whose cleanup then signals and waits for <paramref name="release"/>,
    /// so a test can act while the group is cancelled but not yet complete.</summary>
    private static async Task BlockedWithSlowCleanup(CancellationToken ct, TaskCompletionSource cleanupStarted, TaskCompletionSource release)
    {
        try
        {
            await Forever(ct);
        }
        finally
        {
            cleanupStarted.TrySetResult();
            await release.Task;
        }
    }

    private static TaskGroupOptions Deadline(FakeTimeProvider clock, double seconds) =>
        new() { Timeout = TimeSpan.FromSeconds(seconds), TimeProvider = clock };

    [Fact]
    public async Task Timeout_FiresAtTheVirtualDeadlineNotBefore_ThrowsTimeoutException()
    {
        var clock = new FakeTimeProvider();
        TaskGroup? seen = null;
        Task run = TaskGroup.RunAsync(g =>
        {
            seen = g;
            _ = g.Spawn(ct => Forever(ct));
            return Forever(g.Token);
        }, Deadline(clock, 30));

        clock.Advance(TimeSpan.FromSeconds(29.999));
        Assert.False(run.IsCompleted);
        Assert.False(seen!.IsCancellationRequested);
        clock.Advance(TimeSpan.FromMilliseconds(1));

        TimeoutException ex = await Assert.ThrowsAsync<TimeoutException>(() => run.Guard());
        Assert.Equal(typeof(TimeoutException), ex.GetType());
        Assert.Equal(TaskStatus.Faulted, run.Status);
        Assert.Equal("deadline of 30 s elapsed", seen.CancellationReason);
        Assert.False(seen.CancellationCaught);
    }

    [Fact]
    public async Task Timeout_GroupFinishesFirst_SucceedsAndTimerIsReleased()
    {
        var clock = new FakeTimeProvider();
        TaskGroup? seen = null;
        await TaskGroup.RunAsync(g => { seen = g; return Task.CompletedTask; }, Deadline(clock, 30)).Guard();
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.False(seen!.IsCancellationRequested);
        Assert.Null(seen.CancellationReason);
    }

    [Fact]
    public async Task Timeout_CallerCancelledAfterDeadlineDuringCleanup_EndsCanceledWithCallerToken()
    {
        var clock = new FakeTimeProvider();
        using var caller = new CancellationTokenSource();
        var cleanupStarted = Signal();
        var release = Signal();
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(ct => BlockedWithSlowCleanup(ct, cleanupStarted, release));
            return Task.CompletedTask;
        }, Deadline(clock, 1), caller.Token);

        clock.Advance(TimeSpan.FromSeconds(1));
        await cleanupStarted.Task.Guard();
        await caller.CancelAsync();
        release.SetResult();
        await AssertCanceled(run, caller.Token);
    }

    [Fact]
    public async Task Timeout_CallerCancelledFirst_DeadlineNeverAbsorbsIt()
    {
        var clock = new FakeTimeProvider();
        using var caller = new CancellationTokenSource();
        var cleanupStarted = Signal();
        var release = Signal();
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(ct => BlockedWithSlowCleanup(ct, cleanupStarted, release));
            return Task.CompletedTask;
        }, Deadline(clock, 1), caller.Token);

        await caller.CancelAsync();
        await cleanupStarted.Task.Guard();
        clock.Advance(TimeSpan.FromSeconds(1));
        release.SetResult();
        await AssertCanceled(run, caller.Token);
    }

    [Fact]
    public async Task Timeout_FailureDuringDeadlineCleanup_FailureWins()
    {
        var clock = new FakeTimeProvider();
        var boom = Boom("cleanup");
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
                    throw boom;
                }
            });
            return Task.CompletedTask;
        }, Deadline(clock, 1));

        clock.Advance(TimeSpan.FromSeconds(1));
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Same(boom, Assert.Single(ex.InnerExceptions));
    }

    [Fact]
    public async Task Timeout_NestedDeadlineAndOuterCancel_InnerNeverAbsorbsTheOuterCancellation()
    {
        var clock = new FakeTimeProvider();
        using var caller = new CancellationTokenSource();
        Task? inner = null;
        var innerRunning = Signal();
        Task outer = TaskGroup.RunAsync(g =>
        {
            inner = TaskGroup.RunAsync(ig =>
            {
                _ = ig.Spawn(async ct => { innerRunning.TrySetResult(); await Forever(ct); });
                return Task.CompletedTask;
            }, Deadline(clock, 10), g.Token);
            _ = g.Spawn(_ => inner);
            return Task.CompletedTask;
        }, caller.Token);

        await innerRunning.Task.Guard();
        await caller.CancelAsync();
        clock.Advance(TimeSpan.FromSeconds(10));
        await AssertCanceled(outer, caller.Token);
        Assert.Equal(TaskStatus.Canceled, inner!.Status);
    }

    [Fact]
    public async Task CancelAfter_ElapsesOnTheClock_EndsQuietly()
    {
        var clock = new FakeTimeProvider();
        TaskGroup? seen = null;
        Task run = TaskGroup.RunAsync(g =>
        {
            seen = g;
            g.CancelAfter(TimeSpan.FromSeconds(5));
            _ = g.Spawn(ct => Forever(ct));
            return Task.CompletedTask;
        }, new TaskGroupOptions { TimeProvider = clock });

        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.False(run.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));
        await AssertSucceeded(run);
        Assert.True(seen!.CancellationCaught);
        Assert.Equal("CancelAfter of 5 s elapsed", seen.CancellationReason);
    }

    [Fact]
    public async Task CancelAfter_CalledAgain_ReplacesTheEarlierDelay()
    {
        var clock = new FakeTimeProvider();
        TaskGroup? seen = null;
        Task run = TaskGroup.RunAsync(g =>
        {
            seen = g;
            g.CancelAfter(TimeSpan.FromSeconds(5));
            g.CancelAfter(TimeSpan.FromSeconds(10));
            return Forever(g.Token);
        }, new TaskGroupOptions { TimeProvider = clock });

        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.False(seen!.IsCancellationRequested);
        clock.Advance(TimeSpan.FromSeconds(1));
        await AssertSucceeded(run);
    }

    [Fact]
    public async Task CancelAfter_CallerCancelledDuringCleanup_EndsCanceled()
    {
        var clock = new FakeTimeProvider();
        using var caller = new CancellationTokenSource();
        var cleanupStarted = Signal();
        var release = Signal();
        Task run = TaskGroup.RunAsync(g =>
        {
            g.CancelAfter(TimeSpan.FromSeconds(1));
            _ = g.Spawn(ct => BlockedWithSlowCleanup(ct, cleanupStarted, release));
            return Task.CompletedTask;
        }, new TaskGroupOptions { TimeProvider = clock }, caller.Token);
        clock.Advance(TimeSpan.FromSeconds(1));
        await cleanupStarted.Task.Guard();
        await caller.CancelAsync();
        release.SetResult();
        await AssertCanceled(run, caller.Token);
    }

    [Fact]
    public async Task CancelAfter_AfterCompletion_IsNoOp()
    {
        TaskGroup? seen = null;
        await TaskGroup.RunAsync(g => { seen = g; return Task.CompletedTask; }).Guard();
        seen!.CancelAfter(TimeSpan.FromMilliseconds(1));
        seen.CancelAfter(TimeSpan.Zero);
        Assert.False(seen.IsCancellationRequested);
    }

    [Fact]
    public void Options_OutOfRange_Throw()
    {
        // Thrown synchronously by RunAsync itself, before any group exists.
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = TaskGroup.RunAsync(_ => Task.CompletedTask, new TaskGroupOptions { Timeout = TimeSpan.Zero }); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = TaskGroup.RunAsync(_ => Task.CompletedTask, new TaskGroupOptions { MaxConcurrency = 0 }); });
        Assert.Throws<ArgumentNullException>(() => { _ = TaskGroup.RunAsync(_ => Task.CompletedTask, (TaskGroupOptions)null!); });
    }
}
