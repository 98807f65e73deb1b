using Microsoft.Extensions.Time.Testing;
using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit.Mutation;

/// <summary>
/// The features beyond the seed: CancelAfter's and ShieldAsync's argument checks, the timers they and
/// the deadline arm (none needlessly; each released), the duration wording of cancel reasons,
/// StartAsync's and ShieldAsync's outcomes, queued children under MaxConcurrency, and continuations
/// that never go through the caller's synchronization context.
/// </summary>
public class TaskGroupFeaturesTests
{
    // ----- CancelAfter -----

    [Fact]
    public async Task CancelAfter_NegativeDelay_ThrowsArgumentOutOfRangeNamingDelay()
    {
        TimeSpan negative = TimeSpan.FromMilliseconds(-2);
        await TaskGroup.RunAsync(g =>
        {
            var ex = Assert.Throws<ArgumentOutOfRangeException>(() => g.CancelAfter(negative));
            Assert.Equal("delay", ex.ParamName);
            Assert.Equal(negative, ex.ActualValue);
            Assert.StartsWith("The delay must not be negative.", ex.Message);
            Assert.False(g.IsCancellationRequested);
            return Task.CompletedTask;
        }, new TaskGroupOptions { TimeProvider = new FakeTimeProvider() }).Guard();
    }

    [Fact]
    public async Task CancelAfter_Zero_CancelsAtOnceWithReasonAndArmsNoTimer()
    {
        var clock = new CountingClock();
        TaskGroup? group = null;
        await TaskGroup.RunAsync(g =>
        {
            group = g;
            g.CancelAfter(TimeSpan.Zero);
            Assert.True(g.IsCancellationRequested);
            Assert.Equal("CancelAfter(0) was called", g.CancellationReason);
            Assert.Equal(0, clock.Created);
            return Task.CompletedTask;
        }, new TaskGroupOptions { TimeProvider = clock }).Guard();
        Assert.True(group!.CancellationCaught);
    }

    [Fact]
    public async Task CancelAfter_Infinite_RemovesThePendingDelayWithoutArmingATimer()
    {
        var clock = new CountingClock();
        var body = Signal();
        TaskGroup? group = null;
        Task run = TaskGroup.RunAsync(g =>
        {
            group = g;
            g.CancelAfter(TimeSpan.FromSeconds(10));
            g.CancelAfter(System.Threading.Timeout.InfiniteTimeSpan);
            return body.Task;
        }, new TaskGroupOptions { TimeProvider = clock });

        Assert.Equal(1, clock.Created);
        Assert.Equal(0, clock.Live); // the 10 s timer was released and no other armed
        clock.Advance(TimeSpan.FromSeconds(20));
        Assert.False(group!.IsCancellationRequested);
        body.SetResult();
        await AssertSucceeded(run);
    }

    [Fact]
    public async Task CancelAfter_GroupCompletesFirst_TimerIsReleased()
    {
        var clock = new CountingClock();
        await TaskGroup.RunAsync(g =>
        {
            g.CancelAfter(TimeSpan.FromSeconds(10));
            Assert.Equal(1, clock.Live);
            return Task.CompletedTask;
        }, new TaskGroupOptions { TimeProvider = clock }).Guard();
        Assert.Equal(1, clock.Created);
        Assert.Equal(0, clock.Live);
    }

    [Fact]
    public async Task CancelAfter_FractionalSeconds_ReasonSaysSeconds()
    {
        var clock = new FakeTimeProvider();
        TaskGroup? group = null;
        Task run = TaskGroup.RunAsync(g =>
        {
            group = g;
            g.CancelAfter(TimeSpan.FromSeconds(1.5));
            return Forever(g.Token);
        }, new TaskGroupOptions { TimeProvider = clock });
        clock.Advance(TimeSpan.FromSeconds(1.5));
        await AssertSucceeded(run);
        Assert.Equal("CancelAfter of 1.5 s elapsed", group!.CancellationReason);
    }

    // ----- Deadline -----

    [Fact]
    public async Task Timeout_GroupCompletesFirst_DeadlineTimerIsReleased()
    {
        var clock = new CountingClock();
        await TaskGroup.RunAsync(g =>
        {
            Assert.Equal(1, clock.Live);
            return Task.CompletedTask;
        }, new TaskGroupOptions { Timeout = TimeSpan.FromSeconds(30), TimeProvider = clock }).Guard();
        Assert.Equal(1, clock.Created);
        Assert.Equal(0, clock.Live);
    }

    [Theory]
    [InlineData(1000, "deadline of 1 s elapsed")]
    [InlineData(250, "deadline of 250 ms elapsed")]
    [InlineData(999, "deadline of 999 ms elapsed")]
    [InlineData(30_000, "deadline of 30 s elapsed")]
    public async Task Timeout_Elapsed_ReasonStatesTheDurationInSecondsFromOneSecondUp(int milliseconds, string reason)
    {
        var clock = new FakeTimeProvider();
        TaskGroup? group = null;
        Task run = TaskGroup.RunAsync(g =>
        {
            group = g;
            return Forever(g.Token);
        }, new TaskGroupOptions { Timeout = TimeSpan.FromMilliseconds(milliseconds), TimeProvider = clock });
        clock.Advance(TimeSpan.FromMilliseconds(milliseconds));
        await Assert.ThrowsAsync<TimeoutException>(() => run.Guard());
        Assert.Equal(reason, group!.CancellationReason);
    }

    // ----- StartAsync -----

    [Fact]
    public async Task StartAsync_NullWork_ThrowsArgumentNullNamingWork()
    {
        var recorder = new EventRecorder();
        TaskGroup? group = null;
        using (TaskGroupDiagnostics.Listen(recorder))
        {
            await TaskGroup.RunAsync(g =>
            {
                group = g;
                var ex = Assert.Throws<ArgumentNullException>(() => { _ = g.StartAsync<int>(null!); });
                Assert.Equal("work", ex.ParamName);
                return Task.CompletedTask;
            }).Guard();
        }

        Assert.Empty(recorder.Of(TaskGroupEventKind.ChildSpawned, group!.Id)); // refused before counting a child
    }

    [Fact]
    public async Task StartAsync_ChildFailsBeforeStarted_ListenerSeesItCompleteFaultedButNoGroupFailure()
    {
        var recorder = new EventRecorder();
        var boom = Boom("before started");
        var child = new TaskCompletionSource();
        TaskGroup? group = null;
        Task<int>? start = null;
        Task run;
        using (TaskGroupDiagnostics.Listen(recorder))
        {
            run = TaskGroup.RunAsync(g =>
            {
                group = g;
                start = g.StartAsync<int>((_, _) => child.Task);
                return Task.CompletedTask;
            });
        }

        child.SetException(boom);
        Assert.Same(boom, await Assert.ThrowsAsync<TestFailureException>(() => start!.Guard()));
        await AssertSucceeded(run);
        TaskGroupEvent completed = Assert.Single(recorder.Of(TaskGroupEventKind.ChildCompleted, group!.Id), e => e.ChildId == 1);
        Assert.Equal(TaskStatus.Faulted, completed.Status);
        Assert.Empty(recorder.Of(TaskGroupEventKind.ChildFailed, group.Id));
    }

    [Fact]
    public async Task StartAsync_ChildFinishesLater_ContinuationNeverPostedToCallersContext()
    {
        var context = new CountingContext();
        var child = new TaskCompletionSource();
        Action<int>? report = null;
        Task<int>? start = null;
        Task run = context.Run(() => TaskGroup.RunAsync(g =>
        {
            start = g.StartAsync<int>((started, _) => { report = started; return child.Task; });
            return Task.CompletedTask;
        }));

        report!(7);
        child.SetResult();
        Assert.Equal(7, await start!.Guard());
        await AssertSucceeded(run);
        Assert.Equal(0, context.Posts);
    }

    // ----- ShieldAsync -----

    [Fact]
    public async Task ShieldAsync_NullCleanup_ThrowsArgumentNullNamingCleanup()
    {
        await TaskGroup.RunAsync(g =>
        {
            var ex = Assert.Throws<ArgumentNullException>(() => { _ = g.ShieldAsync(null!, TimeSpan.FromSeconds(1)); });
            Assert.Equal("cleanup", ex.ParamName);
            return Task.CompletedTask;
        }).Guard();
    }

    [Fact]
    public async Task ShieldAsync_NegativeGracePeriod_ThrowsArgumentOutOfRangeNamingGracePeriod()
    {
        TimeSpan negative = TimeSpan.FromMilliseconds(-2);
        var clock = new CountingClock();
        await TaskGroup.RunAsync(g =>
        {
            var ex = Assert.Throws<ArgumentOutOfRangeException>(() => { _ = g.ShieldAsync(_ => Task.CompletedTask, negative); });
            Assert.Equal("gracePeriod", ex.ParamName);
            Assert.Equal(negative, ex.ActualValue);
            Assert.StartsWith("The grace period must not be negative.", ex.Message);
            Assert.Equal(0, clock.Created);
            return Task.CompletedTask;
        }, new TaskGroupOptions { TimeProvider = clock }).Guard();
    }

    [Fact]
    public async Task ShieldAsync_ZeroGracePeriod_IsAcceptedAndCancelsTheShieldedTokenAtOnce()
    {
        var clock = new FakeTimeProvider();
        Task? shield = null;
        Task run = TaskGroup.RunAsync(g =>
        {
            shield = g.ShieldAsync(ct => WhenCancelled(ct), TimeSpan.Zero);
            return Task.CompletedTask;
        }, new TaskGroupOptions { TimeProvider = clock });
        clock.Advance(TimeSpan.Zero);
        await shield!.Guard();
        await AssertSucceeded(run);
    }

    [Fact]
    public async Task ShieldAsync_InfiniteGracePeriod_ArmsNoTimer()
    {
        var clock = new CountingClock();
        var cleanup = Signal();
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.ShieldAsync(_ => cleanup.Task, System.Threading.Timeout.InfiniteTimeSpan);
            return Task.CompletedTask;
        }, new TaskGroupOptions { TimeProvider = clock });
        Assert.Equal(0, clock.Created);
        cleanup.SetResult();
        await AssertSucceeded(run);
    }

    [Fact]
    public async Task ShieldAsync_CleanupCompletesSynchronously_GraceTimerReleasedBeforeItReturns()
    {
        var clock = new CountingClock();
        await TaskGroup.RunAsync(g =>
        {
            Task shield = g.ShieldAsync(_ => Task.CompletedTask, TimeSpan.FromSeconds(5));
            Assert.True(shield.IsCompletedSuccessfully);
            Assert.Equal(1, clock.Created);
            Assert.Equal(0, clock.Live);
            return Task.CompletedTask;
        }, new TaskGroupOptions { TimeProvider = clock }).Guard();
    }

    [Fact]
    public async Task ShieldAsync_CleanupFinishesLater_GraceTimerReleasedWhileTheGroupRuns()
    {
        var clock = new CountingClock();
        var cleanup = new TaskCompletionSource();
        var body = Signal();
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.ShieldAsync(_ => cleanup.Task, TimeSpan.FromSeconds(5));
            return body.Task;
        }, new TaskGroupOptions { TimeProvider = clock });

        Assert.Equal(1, clock.Live);
        Inline.Run(cleanup.SetResult);
        Assert.Equal(0, clock.Live);
        Assert.False(run.IsCompleted);
        body.SetResult();
        await AssertSucceeded(run);
    }

    [Fact]
    public async Task ShieldAsync_CleanupFailsLater_GroupFaultsWithTheFailure()
    {
        var boom = Boom("shielded");
        var cleanup = new TaskCompletionSource();
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.ShieldAsync(_ => cleanup.Task, TimeSpan.FromSeconds(5));
            return Task.CompletedTask;
        }, new TaskGroupOptions { TimeProvider = new FakeTimeProvider() });

        cleanup.SetException(boom);
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Same(boom, Assert.Single(ex.InnerExceptions));
    }

    [Fact]
    public async Task ShieldAsync_CleanupFinishesLater_ContinuationNeverPostedToCallersContext()
    {
        var context = new CountingContext();
        var cleanup = new TaskCompletionSource();
        Task run = context.Run(() => TaskGroup.RunAsync(g =>
        {
            _ = g.ShieldAsync(_ => cleanup.Task, System.Threading.Timeout.InfiniteTimeSpan);
            return Task.CompletedTask;
        }));

        cleanup.SetResult();
        await AssertSucceeded(run);
        Assert.Equal(0, context.Posts);
    }

    // ----- MaxConcurrency -----

    private static TaskGroupOptions Limit(int limit) => new() { MaxConcurrency = limit };

    [Fact]
    public async Task Limit_ChildWithResultFinishesAtOnce_SlotIsFreeForTheNextSpawn()
    {
        bool startedInSpawn = false;
        Task<int>? first = null;
        Task run = TaskGroup.RunAsync(g =>
        {
            first = g.Spawn(_ => Task.FromResult(41));
            _ = g.Spawn(_ => { startedInSpawn = true; return Task.CompletedTask; });
            return Task.CompletedTask;
        }, Limit(1));

        Assert.True(startedInSpawn, "The result child's slot was not freed.");
        await AssertSucceeded(run);
        Assert.Equal(41, await first!);
    }

    [Fact]
    public async Task Limit_QueuedChildStillRunning_TheNextQueuedChildWaits()
    {
        var holder = new TaskCompletionSource();
        var second = new TaskCompletionSource();
        var log = new List<string>();
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(_ => holder.Task);
            _ = g.Spawn(_ => { log.Add("B"); return second.Task; });
            _ = g.Spawn(_ => { log.Add("C"); return Task.CompletedTask; });
            return Task.CompletedTask;
        }, Limit(1));

        Inline.Run(holder.SetResult);
        Assert.Equal(["B"], log); // B holds the slot: C must not start
        Inline.Run(second.SetResult);
        Assert.Equal(["B", "C"], log);
        await AssertSucceeded(run);
    }

    [Fact]
    public async Task Limit_QueuedChildFailsSynchronously_GroupFaultsWithTheFailure()
    {
        var boom = Boom("queued sync");
        var holder = new TaskCompletionSource();
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(_ => holder.Task);
            _ = g.Spawn(_ => Task.FromException(boom));
            return Task.CompletedTask;
        }, Limit(1));

        holder.SetResult();
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Same(boom, Assert.Single(ex.InnerExceptions));
    }

    [Fact]
    public async Task Limit_RunningChildFinishesLater_ContinuationNeverPostedToCallersContext()
    {
        var context = new CountingContext();
        var holder = new TaskCompletionSource();
        Task run = context.Run(() => TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(_ => holder.Task);
            return Task.CompletedTask;
        }, Limit(1)));

        holder.SetResult();
        await AssertSucceeded(run);
        Assert.Equal(0, context.Posts);
    }

    [Fact]
    public async Task Limit_QueuedChildFinishesLater_ContinuationNeverPostedToTheDrainersContext()
    {
        var context = new CountingContext();
        var queued = new TaskCompletionSource();
        Task run = context.Run(() => TaskGroup.RunAsync(g =>
        {
            // The first child queues the second and then finishes synchronously: the second starts
            // at once, on this thread, under the context.
            _ = g.Spawn(ct =>
            {
                _ = g.Spawn(_ => queued.Task);
                return Task.CompletedTask;
            });
            return Task.CompletedTask;
        }, Limit(1)));

        queued.SetResult();
        await AssertSucceeded(run);
        Assert.Equal(0, context.Posts);
    }
}
