using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace TaskGroups.Unit.Mutation;

/// <summary><see cref="TaskGroupEvent.ToString"/>'s wording, and <see cref="TaskGroupDiagnostics.Listen"/>:
/// argument validation, the parent of a nested group, and what disposing a scope does.</summary>
public class DiagnosticsTests
{
    private sealed class Recorder : ITaskGroupListener
    {
        public ConcurrentQueue<TaskGroupEvent> Events { get; } = new();

        public void OnEvent(in TaskGroupEvent e) => Events.Enqueue(e);

        public TaskGroupEvent[] Opened() => [.. Events.Where(e => e.Kind == TaskGroupEventKind.GroupOpened)];
    }

    [Fact]
    public void EventToString_WithoutExceptionOrReason_ListsTheFields()
    {
        var e = new TaskGroupEvent(TaskGroupEventKind.ChildCompleted, 12, 3, 4, TaskStatus.RanToCompletion, TaskGroupCancelCause.None, null, false, true);
        Assert.Equal("ChildCompleted group=12 parent=3 child=4 status=RanToCompletion cause=None token=False caller=True", e.ToString());
    }

    [Fact]
    public void EventToString_WithExceptionAndReason_AppendsTheExceptionTypeAndTheReason()
    {
        var e = new TaskGroupEvent(TaskGroupEventKind.ChildFailed, 7, 0, 2, TaskStatus.Faulted, TaskGroupCancelCause.Failure, new IOException("disk full"), true, false, "child 2 failed");
        Assert.Equal("ChildFailed group=7 parent=0 child=2 status=Faulted cause=Failure token=True caller=False exception=IOException reason=child 2 failed", e.ToString());
    }

    [Fact]
    public void EventToString_WithReasonOnly_AppendsOnlyTheReason()
    {
        var e = new TaskGroupEvent(TaskGroupEventKind.CancelRequested, 7, 0, 0, default, TaskGroupCancelCause.Cancel, null, true, false, "stop");
        Assert.Equal("CancelRequested group=7 parent=0 child=0 status=Created cause=Cancel token=True caller=False reason=stop", e.ToString());
    }

    [Fact]
    public void EventToString_WithExceptionOnly_AppendsOnlyTheExceptionType()
    {
        var e = new TaskGroupEvent(TaskGroupEventKind.ChildFailed, 7, 0, 1, default, TaskGroupCancelCause.None, new InvalidOperationException(), false, false);
        Assert.Equal("ChildFailed group=7 parent=0 child=1 status=Created cause=None token=False caller=False exception=InvalidOperationException", e.ToString());
    }

    [Fact]
    public void Listen_NullListener_ThrowsArgumentNullException()
    {
        ArgumentNullException exception = Assert.Throws<ArgumentNullException>(() => TaskGroupDiagnostics.Listen(null!));
        Assert.Equal("listener", exception.ParamName);
    }

    [Fact]
    public async Task GroupOpened_InsideTheBodyAndInsideAChild_NamesTheEnclosingGroupAsParent()
    {
        var recorder = new Recorder();
        long outerId = 0, fromBody = 0, fromChild = 0;
        using (TaskGroupDiagnostics.Listen(recorder))
        {
            await TaskGroup.RunAsync(async g =>
            {
                outerId = g.Id;
                await TaskGroup.RunAsync(inner => { fromBody = inner.Id; return Task.CompletedTask; });
                await g.Spawn(ct => TaskGroup.RunAsync(inner => { fromChild = inner.Id; return Task.CompletedTask; }, ct));
            }).Guard();
        }

        TaskGroupEvent[] opened = recorder.Opened();
        Assert.Equal(3, opened.Length);
        Assert.Equal(0, opened.Single(e => e.GroupId == outerId).ParentGroupId);
        Assert.Equal(outerId, opened.Single(e => e.GroupId == fromBody).ParentGroupId);
        Assert.Equal(outerId, opened.Single(e => e.GroupId == fromChild).ParentGroupId);
    }

    [Fact]
    public async Task Dispose_Scope_StopsReportingToItsListener()
    {
        var recorder = new Recorder();
        IDisposable scope = TaskGroupDiagnostics.Listen(recorder);
        await TaskGroup.RunAsync(_ => Task.CompletedTask).Guard();
        scope.Dispose();
        await TaskGroup.RunAsync(_ => Task.CompletedTask).Guard();

        Assert.Single(recorder.Opened());
    }

    [Fact]
    public async Task Dispose_Twice_IsANoOp_TheOuterScopeStillListens()
    {
        var outer = new Recorder();
        var inner = new Recorder();
        using (TaskGroupDiagnostics.Listen(outer))
        {
            IDisposable scope = TaskGroupDiagnostics.Listen(inner);
            scope.Dispose();
            scope.Dispose();
            await TaskGroup.RunAsync(_ => Task.CompletedTask).Guard();
        }

        Assert.Single(outer.Opened());
        Assert.Empty(inner.Opened());
    }

    [Fact]
    public async Task Dispose_OuterScopeWhileInnerIsOpen_TheInnerListenerKeepsListening()
    {
        var outer = new Recorder();
        var inner = new Recorder();
        IDisposable outerScope = TaskGroupDiagnostics.Listen(outer);
        IDisposable innerScope = TaskGroupDiagnostics.Listen(inner);
        outerScope.Dispose(); // out of order: the inner scope is still open
        await TaskGroup.RunAsync(_ => Task.CompletedTask).Guard();
        innerScope.Dispose();
        await TaskGroup.RunAsync(_ => Task.CompletedTask).Guard();

        Assert.Single(inner.Opened());
        Assert.Empty(outer.Opened());
    }

    [Fact]
    public void Dispose_OnTheListeningFlow_RestoresThePreviousScope_ReleasingTheListener()
    {
        WeakReference listener = ListenAndDispose();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        // The flow's current scope is the previous one again (none): nothing keeps the disposed
        // scope, and with it the listener, alive.
        Assert.False(listener.IsAlive);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference ListenAndDispose()
    {
        var recorder = new Recorder();
        TaskGroupDiagnostics.Listen(recorder).Dispose();
        return new WeakReference(recorder);
    }
}
