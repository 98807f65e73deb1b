using TaskGroups.Harness.Scenarios;

namespace TaskGroups.Harness.Targets;

/// <summary>
/// A C# port of CPython 3.12's <c>asyncio.TaskGroup</c>, the group both seed approaches build on:
/// children are scheduled (not run inline) with a private cancellation source each, like
/// <c>task.cancel()</c>; a child ending in cancellation is not an error; the first error aborts the
/// group (cancels every child and the body); errors win over the caller's cancellation; spawning into
/// a finished or aborting group throws, as <c>create_task</c> raises <c>RuntimeError</c>.
/// It is deliberately faithful, not correct: the seed targets and the CPython/AnyIO ports of the zoo
/// add their flaws on top of it through the virtual members.
/// </summary>
/// <remarks>An <see cref="OperationCanceledException"/> maps to Python as follows: one for the child's own
/// token, for the body's token while the group aborts, or with no token at all is a <c>CancelledError</c>
/// (the task was cancelled: not an error); one for any other token is a private timeout, which asyncio
/// raises as <c>TimeoutError</c> — an error.</remarks>
internal class AsyncioGroup
{
    private static long s_nextId = 1_000_000_000;

    private readonly object _lock = new();
    private readonly ITaskGroupListener _events;
    private readonly CancellationToken _callerToken;
    private CancellationTokenRegistration _callerRegistration;
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
    }

    public long Id { get; }

    /// <summary>The caller's token (the parent task's cancellation).</summary>
    protected CancellationToken CallerToken => _callerToken;

    /// <summary>Whether the group is aborting (its children and body were cancelled).</summary>
    protected bool Aborting
    {
        get
        {
            lock (_lock)
            {
                return _aborting;
            }
        }
    }

    /// <summary>Whether <c>create_task</c> on an aborting group raises "is shutting down", as CPython's
    /// does. The zoo's ports of other CPython and AnyIO bugs turn it off (a late child then starts
    /// already cancelled, as the spec requires), so that each is caught for the one bug it ports.</summary>
    protected virtual bool RefusesSpawnWhileAborting => true;

    /// <summary>Whether an eager task factory runs children: inline until their first await, and
    /// added to the group's task set only afterwards (CPython 3.12–3.14 before gh-128550/gh-155418).</summary>
    protected virtual bool Eager => false;

    /// <summary>Links the group to the caller's token; called once, before the body runs.</summary>
    protected virtual void RegisterCaller()
    {
        if (_callerToken.CanBeCanceled)
        {
            _callerRegistration = _callerToken.UnsafeRegister(static s => ((AsyncioGroup)s!).OnCallerCancelled(), this);
        }
    }

    /// <summary>Releases the caller registration (also when the group aborts, in a flawed port).</summary>
    protected void ReleaseCaller() => _callerRegistration.Unregister();

    /// <summary>The parent task was cancelled from outside.</summary>
    protected virtual void OnCallerCancelled() => Abort(TaskGroupCancelCause.CallerToken);

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
        RegisterCaller();
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

            if (_aborting && RefusesSpawnWhileAborting)
            {
                throw new InvalidOperationException("TaskGroup is shutting down");
            }

            _pending++;
            child = new Child(++_nextChildId);
            if (_aborting)
            {
                child.Cts.Cancel(); // adapted to the spec: a late child starts already cancelled
            }
            if (!Eager)
            {
                _children.Add(child);
            }
        }

        Emit(TaskGroupEventKind.ChildSpawned, child.Id);
        Task<T> task = Eager ? RunEagerAsync(child, work) : RunChildAsync(child, work);
        if (Eager)
        {
            // self._tasks.add(task) after the eager step: an abort during that step missed the child.
            lock (_lock)
            {
                _children.Add(child);
            }

            OnEagerStepDone(task);
        }

        _ = TrackAsync(task, child.Id, child);
        return task;
    }

    private async Task<T> RunChildAsync<T>(Child child, Func<CancellationToken, Task<T>> work)
    {
        await Task.Yield(); // scheduled by the event loop, not run inline
        s_current.Value = child;
        Emit(TaskGroupEventKind.ChildStarted, child.Id);
        return await work(child.Cts.Token);
    }

    private Task<T> RunEagerAsync<T>(Child child, Func<CancellationToken, Task<T>> work)
    {
        Child? previous = s_current.Value;
        s_current.Value = child;
        try
        {
            Emit(TaskGroupEventKind.ChildStarted, child.Id);
            return work(child.Cts.Token);
        }
        catch (Exception e)
        {
            return Task.FromException<T>(e);
        }
        finally
        {
            s_current.Value = previous;
        }
    }

    /// <summary>An eager child's first step returned (it may already be done).</summary>
    protected virtual void OnEagerStepDone(Task task)
    {
    }

    private async Task TrackAsync(Task task, int childId, Child? child = null)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException e) when (IsCancelledError(e, child))
        {
            // A cancelled task is not an error in asyncio.
        }
        catch (Exception e)
        {
            if (RecordsError(e, task))
            {
                lock (_lock)
                {
                    _errors.Add(e);
                }

                Emit(TaskGroupEventKind.ChildFailed, childId, exception: e);
                Abort(TaskGroupCancelCause.Failure);
            }
        }

        OnTaskDone();
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

    /// <summary>Whether a cancellation is a <c>CancelledError</c> (see the remarks), not an error.</summary>
    private bool IsCancelledError(OperationCanceledException e, Child? child) =>
        !e.CancellationToken.CanBeCanceled
        || (child is not null && e.CancellationToken == child.Cts.Token)
        || e.CancellationToken == BodyToken
        || (child?.Cts.IsCancellationRequested ?? _bodyCts.IsCancellationRequested);

    /// <summary>Whether a task's exception is recorded as an error (always, unless a port loses it).</summary>
    protected virtual bool RecordsError(Exception e, Task task) => true;

    /// <summary>Called when any task of the group is done, before the group may finish.</summary>
    protected virtual void OnTaskDone()
    {
    }

    /// <summary><c>TaskGroup._abort</c>: cancel every child and the parent task.</summary>
    public void Abort(TaskGroupCancelCause cause)
    {
        Child[] children;
        bool first;
        lock (_lock)
        {
            if (_finished)
            {
                return;
            }

            first = !_aborting;
            _aborting = true;
            children = [.. _children];
        }

        if (first)
        {
            // One event per group, like the library's: a later abort cancels nothing new.
            Emit(TaskGroupEventKind.CancelRequested, cause: cause);
        }
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

        Decide(errors);
    }

    /// <summary><c>__aexit__</c>: errors win; then the parent task's cancellation; else success.</summary>
    protected virtual void Decide(Exception[] errors)
    {
        if (errors.Length > 0)
        {
            // Errors win; the caller's cancellation is dropped here (CPython 3.12 behaviour).
            Emit(TaskGroupEventKind.GroupCompleted, status: TaskStatus.Faulted);
            _done.SetException(new AggregateException(errors));
        }
        else if (_callerToken.IsCancellationRequested)
        {
            EndCanceled(_callerToken);
        }
        else
        {
            EndSuccessfully();
        }
    }

    protected void EndCanceled(CancellationToken token)
    {
        Emit(TaskGroupEventKind.GroupCompleted, status: TaskStatus.Canceled);
        _done.SetCanceled(token);
    }

    protected void EndSuccessfully()
    {
        Emit(TaskGroupEventKind.GroupCompleted, status: TaskStatus.RanToCompletion);
        _done.SetResult();
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
