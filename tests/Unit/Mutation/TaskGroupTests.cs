using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Time.Testing;
using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit.Mutation;

/// <summary>
/// The core group: RunAsync with a result (argument check, waiting for every child, no post to the
/// caller's context), cancel reasons and the TimeoutException text, ToString, a child with a result
/// spawned near the end of the stack, failures reported once, a throwing listener, ParentGroupId,
/// the timers released at completion and the telemetry of a child with a result and of a timed-out group.
/// </summary>
[Collection(nameof(Observability.OpenTelemetryTests))] // attaches a process-wide ActivityListener
public class TaskGroupTests
{
    // ----- RunAsync<T> -----

    [Fact]
    public void RunAsyncOfT_NullBody_ThrowsArgumentNullNamingBody()
    {
        Assert.Equal("body", Assert.Throws<ArgumentNullException>(() => { _ = TaskGroup.RunAsync<int>(null!); }).ParamName);
        Assert.Equal("body", Assert.Throws<ArgumentNullException>(() => { _ = TaskGroup.RunAsync<int>(null!, new TaskGroupOptions()); }).ParamName);
    }

    [Fact]
    public async Task RunAsyncOfT_BodyReturnsAtOnce_ResultWaitsForEveryChild()
    {
        var child = new TaskCompletionSource();
        Task<int> run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(_ => child.Task);
            return Task.FromResult(5);
        });

        Assert.False(run.IsCompleted);
        child.SetResult();
        Assert.Equal(5, await run.Guard());
    }

    [Fact]
    public async Task RunAsyncOfT_GroupFinishesLater_ContinuationNeverPostedToCallersContext()
    {
        var context = new CountingContext();
        var child = new TaskCompletionSource();
        Task<int> run = context.Run(() => TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(_ => child.Task);
            return Task.FromResult(5);
        }));

        child.SetResult();
        Assert.Equal(5, await run.Guard());
        Assert.Equal(0, context.Posts);
    }

    [Fact]
    public async Task Spawn_ChildFinishesLater_ContinuationNeverPostedToCallersContext()
    {
        var context = new CountingContext();
        var child = new TaskCompletionSource();
        Task run = context.Run(() => TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(_ => child.Task);
            return Task.CompletedTask;
        }));

        child.SetResult();
        await AssertSucceeded(run);
        Assert.Equal(0, context.Posts);
    }

    // ----- Reasons, messages, names -----

    [Fact]
    public async Task Cancel_WithoutReason_ReasonIsCancelWasCalled()
    {
        TaskGroup? group = null;
        await TaskGroup.RunAsync(g =>
        {
            group = g;
            g.Cancel();
            return Task.CompletedTask;
        }).Guard();
        Assert.Equal("Cancel() was called", group!.CancellationReason);
    }

    [Fact]
    public async Task ToString_NamesTheGroupById()
    {
        TaskGroup? group = null;
        await TaskGroup.RunAsync(g => { group = g; return Task.CompletedTask; }).Guard();
        Assert.Equal($"TaskGroup#{group!.Id}", group.ToString());
    }

    [Fact]
    public async Task Failure_OfTheBody_ReasonNamesTheBody()
    {
        TaskGroup? group = null;
        await AssertFaulted(TaskGroup.RunAsync(g =>
        {
            group = g;
            throw Boom("disk full");
        }));
        Assert.Equal("the body failed: TestFailureException: disk full", group!.CancellationReason);
    }

    private sealed class MessageThrowsException : Exception
    {
        public override string Message => throw new InvalidOperationException("no message");
    }

    [Fact]
    public async Task Failure_WhoseMessageThrows_ReasonSaysItsMessageThrew()
    {
        TaskGroup? group = null;
        Task run = TaskGroup.RunAsync(g =>
        {
            group = g;
            _ = g.Spawn(_ => Task.FromException(new MessageThrowsException()));
            return Task.CompletedTask;
        });
        await Assert.ThrowsAsync<TaskGroupException>(() => run.Guard());
        Assert.Equal("child 1 failed: MessageThrowsException: (its Message threw)", group!.CancellationReason);
    }

    [Fact]
    public async Task Timeout_Elapsed_TimeoutExceptionMessageGivesTheReason()
    {
        var clock = new FakeTimeProvider();
        Task run = TaskGroup.RunAsync(g => Forever(g.Token), new TaskGroupOptions { Timeout = TimeSpan.FromSeconds(30), TimeProvider = clock });
        clock.Advance(TimeSpan.FromSeconds(30));
        TimeoutException ex = await Assert.ThrowsAsync<TimeoutException>(() => run.Guard());
        Assert.Equal("The task group's deadline of 30 s elapsed.", ex.Message);
    }

    // ----- Timers -----

    [Fact]
    public async Task Complete_ReleasesTheDeadlineAndCancelAfterTimers()
    {
        var clock = new CountingClock();
        await TaskGroup.RunAsync(g =>
        {
            g.CancelAfter(TimeSpan.FromSeconds(10));
            Assert.Equal(2, clock.Live);
            return Task.CompletedTask;
        }, new TaskGroupOptions { Timeout = TimeSpan.FromSeconds(30), TimeProvider = clock }).Guard();
        Assert.Equal(2, clock.Created);
        Assert.Equal(0, clock.Live);
    }

    // ----- Near the end of the stack -----

    /// <summary>Recurses until the stack is nearly exhausted, then spawns (try/finally: no tail call).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Task<bool> SpawnNearStackEnd(TaskGroup group, int depth)
    {
        Span<byte> pad = stackalloc byte[512];
        pad[depth % pad.Length] = 1;
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            return group.Spawn(_ => Task.FromResult(RuntimeHelpers.TryEnsureSufficientExecutionStack()));
        }

        try
        {
            return SpawnNearStackEnd(group, depth + 1);
        }
        finally
        {
            pad[0]++;
        }
    }

    [Fact]
    public async Task SpawnOfT_StackNearlyExhausted_ChildRunsOnAFreshStack()
    {
        Task<bool>? child = null;
        await TaskGroup.RunAsync(g =>
        {
            child = SpawnNearStackEnd(g, 0);
            return Task.CompletedTask;
        }).Guard();
        Assert.True(await child!, "The child ran on the nearly exhausted stack.");
    }

    // ----- Failures once, a failing listener -----

    [Fact]
    public async Task Failure_ReachesTheGroupFromChildAndBody_ReportedOnce()
    {
        var recorder = new EventRecorder();
        var boom = Boom("twice");
        TaskGroup? group = null;
        Task run;
        using (TaskGroupDiagnostics.Listen(recorder))
        {
            run = TaskGroup.RunAsync(async g =>
            {
                group = g;
                await g.Spawn(_ => Task.FromException(boom)); // recorded for the child, then rethrown by the body
            });
        }

        TaskGroupException ex = await AssertFaulted(run);
        Assert.Same(boom, Assert.Single(ex.InnerExceptions));
        TaskGroupEvent failed = Assert.Single(recorder.Of(TaskGroupEventKind.ChildFailed, group!.Id));
        Assert.Equal(1, failed.ChildId);
        Assert.Same(boom, failed.Exception);
    }

    private sealed class ThrowsOnFirstSpawn : ITaskGroupListener
    {
        private int _thrown;

        public void OnEvent(in TaskGroupEvent e)
        {
            if (e.Kind == TaskGroupEventKind.ChildSpawned && Interlocked.Exchange(ref _thrown, 1) == 0)
            {
                throw new InvalidTimeZoneException("listener failed");
            }
        }
    }

    [Fact]
    public async Task Listener_ThrowsInAFailFastGroup_CancelsTheGroupWithAReasonNamingIt()
    {
        TaskGroup? group = null;
        Task run;
        using (TaskGroupDiagnostics.Listen(new ThrowsOnFirstSpawn()))
        {
            run = TaskGroup.RunAsync(g =>
            {
                group = g;
                _ = g.Spawn(ct => Forever(ct));
                return Task.CompletedTask;
            });
        }

        TaskGroupException ex = await AssertFaulted(run);
        Assert.IsType<InvalidTimeZoneException>(Assert.Single(ex.InnerExceptions));
        Assert.Equal("a diagnostics listener failed: InvalidTimeZoneException", group!.CancellationReason);
    }

    [Fact]
    public async Task Listener_ThrowsInASupervisor_DoesNotCancelTheGroup()
    {
        TaskGroup? group = null;
        var child = Signal();
        Task run;
        using (TaskGroupDiagnostics.Listen(new ThrowsOnFirstSpawn()))
        {
            run = TaskGroup.RunAsync(g =>
            {
                group = g;
                _ = g.Spawn(_ => child.Task);
                return Task.CompletedTask;
            }, new TaskGroupOptions { FailFast = false });
        }

        Assert.False(group!.IsCancellationRequested);
        child.SetResult();
        TaskGroupException ex = await AssertFaulted(run);
        Assert.IsType<InvalidTimeZoneException>(Assert.Single(ex.InnerExceptions));
        Assert.Null(group.CancellationReason);
    }

    // ----- ParentGroupId -----

    [Fact]
    public async Task ParentGroupId_NestedGroup_OnlyItsGroupOpenedNamesTheEnclosingGroup()
    {
        var recorder = new EventRecorder();
        long outer = 0, inner = 0;
        using (TaskGroupDiagnostics.Listen(recorder))
        {
            await TaskGroup.RunAsync(g =>
            {
                outer = g.Id;
                _ = g.Spawn(ct => TaskGroup.RunAsync(i =>
                {
                    inner = i.Id;
                    _ = i.Spawn(_ => Task.CompletedTask);
                    return Task.CompletedTask;
                }, ct));
                _ = g.Spawn(_ => Task.CompletedTask);
                return Task.CompletedTask;
            }).Guard();
        }

        TaskGroupEvent[] events = [.. recorder.Events.Where(e => e.GroupId == outer || e.GroupId == inner)];
        Assert.Equal(outer, Assert.Single(recorder.Of(TaskGroupEventKind.GroupOpened, inner)).ParentGroupId);
        Assert.Equal(0, Assert.Single(recorder.Of(TaskGroupEventKind.GroupOpened, outer)).ParentGroupId);
        Assert.Contains(events, e => e.Kind == TaskGroupEventKind.ChildSpawned && e.GroupId == outer);
        Assert.All(events.Where(e => e.Kind != TaskGroupEventKind.GroupOpened), e => Assert.Equal(0, e.ParentGroupId));
    }

    [Fact]
    public async Task ParentGroupId_EnclosingGroupOpenedWithoutListener_NestedGroupReportsNoParent()
    {
        var recorder = new EventRecorder();
        long inner = 0;
        await TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(async ct =>
            {
                // The listener never saw the enclosing group: a parent id would name a group it does not know.
                using (TaskGroupDiagnostics.Listen(recorder))
                {
                    await TaskGroup.RunAsync(i => { inner = i.Id; return Task.CompletedTask; }, ct);
                }
            });
            return Task.CompletedTask;
        }).Guard();

        Assert.Equal(0, Assert.Single(recorder.Of(TaskGroupEventKind.GroupOpened, inner)).ParentGroupId);
    }

    // ----- Telemetry -----

    private static ActivityListener ListenToTaskGroups(ConcurrentQueue<Activity> stopped)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "TaskGroups",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    private static Activity GroupActivity(ConcurrentQueue<Activity> stopped, long id) =>
        Assert.Single(stopped, a => a.OperationName == "TaskGroup" && Equals(a.GetTagItem("taskgroups.group.id"), id));

    [Fact]
    public async Task Telemetry_ChildWithResult_ItsActivityStopsWithItsStatus()
    {
        var stopped = new ConcurrentQueue<Activity>();
        long id = 0;
        using (ListenToTaskGroups(stopped))
        {
            await TaskGroup.RunAsync(g =>
            {
                id = g.Id;
                _ = g.Spawn(_ => Task.FromResult(3));
                return Task.CompletedTask;
            }).Guard();
        }

        Activity group = GroupActivity(stopped, id);
        Activity child = Assert.Single(stopped, a => a.OperationName == "TaskGroup.Child" && a.ParentSpanId == group.SpanId);
        Assert.Equal("RanToCompletion", child.GetTagItem("taskgroups.child.status"));
    }

    [Fact]
    public async Task Telemetry_DeadlineElapsed_GroupOutcomeIsTimedOut()
    {
        var stopped = new ConcurrentQueue<Activity>();
        var clock = new FakeTimeProvider();
        long id = 0;
        using (ListenToTaskGroups(stopped))
        {
            Task run = TaskGroup.RunAsync(g =>
            {
                id = g.Id;
                return Forever(g.Token);
            }, new TaskGroupOptions { Timeout = TimeSpan.FromSeconds(1), TimeProvider = clock });
            clock.Advance(TimeSpan.FromSeconds(1));
            await Assert.ThrowsAsync<TimeoutException>(() => run.Guard());
        }

        Activity group = GroupActivity(stopped, id);
        Assert.Equal("TimedOut", group.GetTagItem("taskgroups.outcome"));
        Assert.Equal(ActivityStatusCode.Error, group.Status);
    }
}
