using Microsoft.Extensions.Time.Testing;
using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit.Features;

/// <summary>FailFast = false (supervisor mode), StartAsync (Trio's nursery.start), cancel reasons
/// and shielded cleanup.</summary>
public class SupervisorAndStartTests
{
    private static readonly TaskGroupOptions Supervisor = new() { FailFast = false };

    [Fact]
    public async Task Supervisor_ChildFails_SiblingsKeepRunningAndFailureIsReported()
    {
        var a = Boom("a");
        var b = Boom("b");
        var aFailed = new FailureSignal(a);
        bool siblingSawCancel = true;
        TaskGroup? seen = null;
        using IDisposable listening = TaskGroupDiagnostics.Listen(aFailed);
        Task run = TaskGroup.RunAsync(g =>
        {
            seen = g;
            _ = g.Spawn(async _ => { await Task.Yield(); throw a; });
            _ = g.Spawn(async ct =>
            {
                // After the group recorded a's failure (a signal set before `throw a`, or a short
                // delay, let b's failure be recorded first on a loaded machine).
                await aFailed.Recorded;
                await Task.Yield();
                siblingSawCancel = ct.IsCancellationRequested;
                throw b;
            });
            return Task.CompletedTask;
        }, Supervisor);
        TaskGroupException ex = await AssertFaulted(run);
        Assert.False(siblingSawCancel);
        Assert.False(seen!.IsCancellationRequested);
        Assert.Equal(new Exception[] { a, b }, ex.InnerExceptions);
    }

    [Fact]
    public async Task Supervisor_CancelStillCancelsEverything()
    {
        Task run = TaskGroup.RunAsync(async g =>
        {
            _ = g.Spawn(_ => throw Boom("x"));
            _ = g.Spawn(ct => Forever(ct));
            await Task.Yield();
            g.Cancel("enough");
        }, Supervisor);
        await AssertFaulted(run);
    }

    [Fact]
    public async Task StartAsync_StartedCalled_ReturnsTheValueWhileTheChildKeepsRunning()
    {
        var release = Signal();
        bool childFinished = false;
        Task run = TaskGroup.RunAsync(async g =>
        {
            int port = await g.StartAsync<int>(async (started, ct) =>
            {
                await Task.Yield();
                started(8080);
                await release.Task;
                childFinished = true;
            });
            Assert.Equal(8080, port);
            Assert.False(childFinished);
            release.SetResult();
        });
        await AssertSucceeded(run);
        Assert.True(childFinished);
    }

    [Fact]
    public async Task StartAsync_FailureBeforeStarted_ComesOutOfStartAsyncNotTheGroup()
    {
        var boom = Boom("early");
        Exception? fromStart = null;
        Task run = TaskGroup.RunAsync(async g =>
        {
            fromStart = await Assert.ThrowsAsync<TestFailureException>(() =>
                g.StartAsync<int>(async (started, ct) => { await Task.Yield(); throw boom; }));
        });
        await AssertSucceeded(run);
        Assert.Same(boom, fromStart);
    }

    [Fact]
    public async Task StartAsync_FinishesWithoutStarted_StartAsyncThrowsInvalidOperation()
    {
        Task run = TaskGroup.RunAsync(async g =>
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() =>
                g.StartAsync<int>(async (started, ct) => await Task.Yield()));
        });
        await AssertSucceeded(run);
    }

    [Fact]
    public async Task StartAsync_FailureAfterStarted_FailsTheGroup()
    {
        var boom = Boom("late");
        Task run = TaskGroup.RunAsync(async g =>
        {
            int value = await g.StartAsync<int>(async (started, ct) =>
            {
                started(1);
                await Task.Yield();
                throw boom;
            });
            Assert.Equal(1, value);
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Same(boom, Assert.Single(ex.InnerExceptions));
    }

    [Fact]
    public async Task StartAsync_StartedTwice_InvalidOperationInTheChild()
    {
        Exception? second = null;
        Task run = TaskGroup.RunAsync(async g =>
        {
            await g.StartAsync<int>((started, ct) =>
            {
                started(1);
                second = Assert.Throws<InvalidOperationException>(() => started(2));
                return Task.CompletedTask;
            });
        });
        await AssertSucceeded(run);
        Assert.NotNull(second);
    }

    [Fact]
    public async Task StartAsync_InCancelledGroup_ChildRunsWithCancelledTokenAndValueStillArrives()
    {
        bool tokenCancelled = false;
        Task run = TaskGroup.RunAsync(async g =>
        {
            g.Cancel();
            int value = await g.StartAsync<int>((started, ct) =>
            {
                tokenCancelled = ct.IsCancellationRequested;
                started(7);
                return Task.CompletedTask;
            });
            Assert.Equal(7, value);
        });
        await AssertSucceeded(run);
        Assert.True(tokenCancelled);
    }

    [Fact]
    public async Task CancellationReason_EachCause_IsReadable()
    {
        TaskGroup? byCancel = null, byFailure = null, byCaller = null;
        await TaskGroup.RunAsync(g => { byCancel = g; g.Cancel("shutting down"); return Task.CompletedTask; }).Guard();
        Assert.Equal("shutting down", byCancel!.CancellationReason);

        await AssertFaulted(TaskGroup.RunAsync(g =>
        {
            byFailure = g;
            _ = g.Spawn(_ => throw new IOException("disk full"));
            return Task.CompletedTask;
        }));
        Assert.Equal("child 1 failed: IOException: disk full", byFailure!.CancellationReason);

        using var caller = new CancellationTokenSource();
        await caller.CancelAsync();
        await AssertCanceled(TaskGroup.RunAsync(g => { byCaller = g; return Task.CompletedTask; }, caller.Token), caller.Token);
        Assert.Equal("the caller's token was cancelled", byCaller!.CancellationReason);
    }

    [Fact]
    public async Task CancellationReason_FirstCauseWins_AndEventsCarryIt()
    {
        var events = new List<TaskGroupEvent>();
        TaskGroup? seen = null;
        using (TaskGroupDiagnostics.Listen(new Recorder(events)))
        {
            await TaskGroup.RunAsync(g => { seen = g; g.Cancel("first"); g.Cancel("second"); return Task.CompletedTask; }).Guard();
        }

        Assert.Equal("first", seen!.CancellationReason);
        TaskGroupEvent cancel;
        lock (events)
        {
            cancel = events.Single(e => e.Kind == TaskGroupEventKind.CancelRequested);
        }

        Assert.Equal("first", cancel.Reason);
    }

    [Fact]
    public async Task Shield_CleanupAfterCancel_RunsWithAnUncancelledTokenAndTheGroupWaits()
    {
        var clock = new FakeTimeProvider();
        var cleanupRunning = Signal();
        var release = Signal();
        bool shieldedTokenCancelled = true, cleanupDone = false;
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
                    await g.ShieldAsync(async shielded =>
                    {
                        cleanupRunning.SetResult();
                        await release.Task.WaitAsync(shielded);
                        shieldedTokenCancelled = shielded.IsCancellationRequested;
                        cleanupDone = true;
                    }, TimeSpan.FromSeconds(5));
                }
            });
            g.Cancel();
            return Task.CompletedTask;
        }, new TaskGroupOptions { TimeProvider = clock });

        await cleanupRunning.Task.Guard();
        Assert.False(run.IsCompleted);
        release.SetResult();
        await AssertSucceeded(run);
        Assert.True(cleanupDone);
        Assert.False(shieldedTokenCancelled);
    }

    [Fact]
    public async Task Shield_GracePeriodElapses_ShieldedTokenIsCancelled()
    {
        var clock = new FakeTimeProvider();
        var cleanupRunning = Signal();
        Task run = TaskGroup.RunAsync(g =>
        {
            g.Cancel();
            _ = g.ShieldAsync(async shielded =>
            {
                cleanupRunning.SetResult();
                await Forever(shielded);
            }, TimeSpan.FromSeconds(5));
            return Task.CompletedTask;
        }, new TaskGroupOptions { TimeProvider = clock });

        await cleanupRunning.Task.Guard();
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.False(run.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));
        await AssertSucceeded(run); // the grace period's cancellation arrives while the group is cancelled
    }

    /// <summary>Completes <see cref="Recorded"/> once the group reports <paramref name="failure"/>.</summary>
    private sealed class FailureSignal(Exception failure) : ITaskGroupListener
    {
        private readonly TaskCompletionSource _recorded = Signal();

        public Task Recorded => _recorded.Task;

        public void OnEvent(in TaskGroupEvent e)
        {
            if (e.Kind == TaskGroupEventKind.ChildFailed && ReferenceEquals(e.Exception, failure))
            {
                _recorded.TrySetResult();
            }
        }
    }

    private sealed class Recorder(List<TaskGroupEvent> events) : ITaskGroupListener
    {
        public void OnEvent(in TaskGroupEvent e)
        {
            lock (events)
            {
                events.Add(e);
            }
        }
    }
}
