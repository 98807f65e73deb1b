using TaskGroups.Harness.Scenarios;

namespace TaskGroups.Harness.Targets;

/// <summary>
/// A C# port of CPython 3.12's <c>asyncio.TaskGroup</c>, the group both seed approaches build on:
/// children are scheduled (not run inline) with a private cancellation source each, like
/// <c>task.cancel()</c>; a child ending in cancellation is not an error; the first error aborts the
/// group (cancels every child and the body); errors win over the caller's cancellation; spawning into
/// a finished or aborting group throws, as <c>create_task</c> raises <c>RuntimeError</c>.
/// It is deliberately faithful, not correct: the seed targets add their flaws on top of it.
/// </summary>
internal sealed class AsyncioGroup
{
    private static long s_nextId = 1_000_000_000;

    private readonly object _lock = new();
    private readonly ITaskGroupListener _events;
    private readonly CancellationToken _callerToken;
    private readonly CancellationTokenRegistration _callerRegistration;
    private readonly TaskCompletionSource _done = new();
    private readonly List<Exception> _errors = [];
    private readonly List<Child> _children = [];
    private int _pending = 1; // the body
    private int _nextChildId;
    private bool _aborting;
    private bool _finished;

    /// <summary>Cancelled when the group aborts: what the body sees (the parent task's cancellation).</summary>
    private readonly CancellationTokenSource _bodyCts = new();

    private static readonly AsyncLocal<Child?> s_current = new();

    public AsyncioGroup(ITaskGroupListener events, CancellationToken callerToken)
    {
        _events = events;
        _callerToken = callerToken;
        Id = Interlocked.Increment(ref s_nextId);
        Emit(TaskGroupEventKind.GroupOpened);
        if (callerToken.CanBeCanceled)
        {
            _callerRegistration = callerToken.UnsafeRegister(static s => ((AsyncioGroup)s!).Abort(TaskGroupCancelCause.CallerToken), this);
        }
    }

    public long Id { get; }

    public CancellationToken BodyToken => _bodyCts.Token;

    public Task Completion => _done.Task;

    /// <summary>The child whose code is running on this flow, if any (asyncio.current_task()).</summary>
    public static Child? CurrentChild => s_current.Value;

    /// <summary>Every child created so far, in creation order: the seed's shared <c>tasks</c> list.</summary>
    public Child[] ChildrenSnapshot()
    {
        lock (_lock)
        {
            return [.. _children];
        }
    }

    public void RunBody(Func<Task> body)
    {
        Task task;
        try
        {
            task = body();
        }
        catch (Exception e)
        {
            task = Task.FromException(e);
        }

        _ = TrackAsync(task, childId: 0);
    }

    /// <summary><c>TaskGroup.create_task</c>: schedules the child; throws if finished or aborting.</summary>
    public Task<T> CreateTask<T>(Func<CancellationToken, Task<T>> work)
    {
        Child child;
        lock (_lock)
        {
            if (_finished)
            {
                throw new InvalidOperationException("TaskGroup is finished");
            }

            if (_aborting)
            {
                throw new InvalidOperationException("TaskGroup is shutting down");
            }

            _pending++;
            child = new Child(++_nextChildId);
            _children.Add(child);
        }

        Emit(TaskGroupEventKind.ChildSpawned, child.Id);
        Task<T> task = RunChildAsync(child, work);
        _ = TrackAsync(task, child.Id);
        return task;
    }

    private async Task<T> RunChildAsync<T>(Child child, Func<CancellationToken, Task<T>> work)
    {
        await Task.Yield(); // scheduled by the event loop, not run inline
        s_current.Value = child;
        Emit(TaskGroupEventKind.ChildStarted, child.Id);
        return await work(child.Cts.Token);
    }

    private async Task TrackAsync(Task task, int childId)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
            // A cancelled child is not an error in asyncio, whatever cancelled it.
        }
        catch (Exception e)
        {
            lock (_lock)
            {
                _errors.Add(e);
            }

            Emit(TaskGroupEventKind.ChildFailed, childId, exception: e);
            Abort(TaskGroupCancelCause.Failure);
        }

        Emit(TaskGroupEventKind.ChildCompleted, childId, task.Status);
        bool last;
        lock (_lock)
        {
            last = --_pending == 0;
            _finished |= last;
        }

        if (last)
        {
            Finish();
        }
    }

    /// <summary><c>TaskGroup._abort</c>: cancel every child and the parent task.</summary>
    public void Abort(TaskGroupCancelCause cause)
    {
        Child[] children;
        lock (_lock)
        {
            if (_finished)
            {
                return;
            }

            _aborting = true;
            children = [.. _children];
        }

        Emit(TaskGroupEventKind.CancelRequested, cause: cause);
        _bodyCts.Cancel();
        foreach (Child child in children)
        {
            child.Cts.Cancel();
        }
    }

    private void Finish()
    {
        _callerRegistration.Unregister();
        Exception[] errors;
        lock (_lock)
        {
            errors = [.. _errors];
        }

        if (errors.Length > 0)
        {
            // Errors win; the caller's cancellation is dropped here (CPython 3.12 behaviour).
            Emit(TaskGroupEventKind.GroupCompleted, status: TaskStatus.Faulted);
            _done.SetException(new AggregateException(errors));
        }
        else if (_callerToken.IsCancellationRequested)
        {
            Emit(TaskGroupEventKind.GroupCompleted, status: TaskStatus.Canceled);
            _done.SetCanceled(_callerToken);
        }
        else
        {
            Emit(TaskGroupEventKind.GroupCompleted, status: TaskStatus.RanToCompletion);
            _done.SetResult();
        }
    }

    private void Emit(TaskGroupEventKind kind, int childId = 0, TaskStatus status = default, TaskGroupCancelCause cause = default, Exception? exception = null)
    {
        long parent = kind == TaskGroupEventKind.GroupOpened ? ScopeTracker.CurrentGroupId : 0;
        _events.OnEvent(new TaskGroupEvent(kind, Id, parent, childId, status, cause, exception,
            tokenCancelled: _bodyCts.IsCancellationRequested, callerTokenCancelled: _callerToken.IsCancellationRequested));
    }

    /// <summary>One child task and its private cancellation source (<c>task.cancel()</c>).</summary>
    public sealed class Child(int id)
    {
        public int Id { get; } = id;

        public CancellationTokenSource Cts { get; } = new();
    }
}
