using TaskGroups.Harness.Scenarios;

namespace TaskGroups.Harness.Targets;

/// <summary>
/// A compact task group written for the zoo, correct on its own: children run inline until their
/// first await, the first failure cancels the group, the outcome is decided by state when the last
/// task has left (failures, else the caller's cancellation, else success), and an
/// <see cref="OperationCanceledException"/> is the group's own signal exactly when the group's token is
/// cancelled as the group observes it (the spec's second revision). Its unflawed form is the target
/// <c>mini-reference</c>, which the contract suite requires to pass every scenario, so that a zoo
/// target is caught for the one decision it overrides — each a documented bug — and not for a flaw of
/// this base.
/// </summary>
/// <remarks>Thread-safe: one lock guards the counters and lists; user code, token cancellation and
/// task completion run outside it.</remarks>
internal class MiniGroup : IGroupScope
{
    private static long s_nextId = 2_000_000_000;

    /// <summary>Guards every field below that is written after construction.</summary>
    protected readonly object Gate = new();

    private readonly ITaskGroupListener _events;
    private readonly TaskCompletionSource _done = new();
    private readonly List<Exception> _failures = [];
    private CancellationTokenRegistration _callerRegistration;

    /// <summary>The body and every child not yet observed, plus cancellation requests in progress;
    /// the group completes when it reaches 0, and it never leaves 0.</summary>
    private int _pending = 1;

    private int _nextChildId;
    private TaskGroupCancelCause _cause;

    public MiniGroup(ITaskGroupListener events, CancellationToken callerToken)
    {
        _events = events;
        CallerToken = callerToken;
        Id = Interlocked.Increment(ref s_nextId);
    }

    public long Id { get; }

    /// <summary>The caller's token.</summary>
    protected CancellationToken CallerToken { get; }

    /// <summary>The group's source: every child receives its token.</summary>
    protected CancellationTokenSource Cts { get; } = new();

    public virtual CancellationToken Token => Cts.Token;

    public bool? CancellationCaught { get; protected set; }

    public Task Completion => _done.Task;

    /// <summary>Why the group was first cancelled.</summary>
    protected TaskGroupCancelCause Cause
    {
        get
        {
            lock (Gate)
            {
                return _cause;
            }
        }
    }

    /// <summary>Opens the group and runs the body inline until its first await.</summary>
    public void Start(Func<IGroupScope, Task> body)
    {
        Emit(TaskGroupEventKind.GroupOpened);
        RegisterCaller();
        Task task;
        try
        {
            task = body(this);
        }
        catch (Exception e)
        {
            task = Task.FromException(e);
        }

        _ = TrackAsync(task, childId: 0);
    }

    /// <summary>Links the group to the caller's token; <see cref="ReleaseCaller"/> undoes it.</summary>
    protected virtual void RegisterCaller() =>
        _callerRegistration = CallerToken.UnsafeRegister(static s => ((MiniGroup)s!).OnCallerCancelled(), this);

    /// <summary>Releases what <see cref="RegisterCaller"/> took (invariant 9), when the group completes.</summary>
    protected virtual void ReleaseCaller() => _callerRegistration.Unregister();

    /// <summary>The caller's token was cancelled.</summary>
    protected virtual void OnCallerCancelled() => RequestCancel(TaskGroupCancelCause.CallerToken);

    public Task Spawn(Func<CancellationToken, Task> work) => Spawn<bool>(async ct =>
    {
        await work(ct);
        return true;
    });

    public virtual Task<T> Spawn<T>(Func<CancellationToken, Task<T>> work)
    {
        int id;
        lock (Gate)
        {
            if (_pending == 0)
            {
                throw new InvalidOperationException("the group has completed");
            }

            _pending++;
            id = ++_nextChildId;
        }

        Emit(TaskGroupEventKind.ChildSpawned, id);
        Task<T> task = StartChild(id, work);
        _ = TrackAsync(task, id);
        return task;
    }

    /// <summary>Runs a child inline until its first await, with the group's token.</summary>
    protected virtual Task<T> StartChild<T>(int id, Func<CancellationToken, Task<T>> work)
    {
        Emit(TaskGroupEventKind.ChildStarted, id);
        try
        {
            return work(ChildToken());
        }
        catch (Exception e)
        {
            return Task.FromException<T>(e);
        }
    }

    /// <summary>The token handed to a new child.</summary>
    protected virtual CancellationToken ChildToken() => Token;

    public virtual void Cancel() => RequestCancel(TaskGroupCancelCause.Cancel);

    /// <summary>Cancels the group's token inline (every registration runs before this returns);
    /// a no-op after completion.</summary>
    protected void RequestCancel(TaskGroupCancelCause cause)
    {
        lock (Gate)
        {
            if (_pending == 0)
            {
                return;
            }

            _pending++; // the group cannot complete while its token is being cancelled
            if (_cause == TaskGroupCancelCause.None)
            {
                _cause = cause;
            }
        }

        try
        {
            bool already = Cts.IsCancellationRequested;
            CancelToken();
            if (!already)
            {
                // One event per cancellation, like the library's: a request after the token was
                // cancelled cancels nothing new.
                Emit(TaskGroupEventKind.CancelRequested, cause: cause);
            }
        }
        finally
        {
            Leave();
        }
    }

    /// <summary>Cancels <see cref="Cts"/>; a registration that throws is a failure of the group.</summary>
    protected virtual void CancelToken()
    {
        try
        {
            Cts.Cancel();
        }
        catch (AggregateException callbackFailures)
        {
            foreach (Exception e in callbackFailures.InnerExceptions)
            {
                RecordFailure(e);
            }
        }
    }

    private async Task TrackAsync(Task task, int childId)
    {
        try
        {
            await task;
        }
        catch (Exception e)
        {
            Observe(task, childId, task.IsFaulted ? [.. task.Exception!.InnerExceptions] : [e]);
        }

        Emit(TaskGroupEventKind.ChildCompleted, childId, task.Status);
        Leave();
    }

    /// <summary>A task ended with <paramref name="exceptions"/>: the group's own signal, or failures.</summary>
    protected virtual void Observe(Task task, int childId, IReadOnlyList<Exception> exceptions)
    {
        if (IsOwnSignal(exceptions))
        {
            return;
        }

        foreach (Exception e in exceptions)
        {
            RecordFailure(e, childId);
        }
    }

    /// <summary>The spec's second revision: only cancellations, and only while the group's token is cancelled.</summary>
    protected virtual bool IsOwnSignal(IReadOnlyList<Exception> exceptions) =>
        exceptions.All(e => e is OperationCanceledException) && Cts.IsCancellationRequested;

    protected virtual void RecordFailure(Exception exception, int childId = 0)
    {
        lock (Gate)
        {
            if (_failures.Contains(exception))
            {
                return; // the same instance twice is one failure
            }

            _failures.Add(exception);
        }

        Emit(TaskGroupEventKind.ChildFailed, childId, exception: exception);
        OnFailure();
    }

    /// <summary>Fail-fast: the first failure cancels the group.</summary>
    protected virtual void OnFailure() => RequestCancel(TaskGroupCancelCause.Failure);

    private void Leave()
    {
        bool last;
        lock (Gate)
        {
            last = --_pending == 0;
        }

        if (last)
        {
            Complete();
        }
    }

    private void Complete()
    {
        ReleaseCaller();
        Exception[] failures;
        TaskGroupCancelCause cause;
        lock (Gate)
        {
            failures = [.. _failures];
            cause = _cause;
        }

        Decide(failures, cause, CallerToken.IsCancellationRequested);
    }

    /// <summary>Decides the outcome by state and completes <see cref="Completion"/>.</summary>
    protected virtual void Decide(Exception[] failures, TaskGroupCancelCause cause, bool callerCancelled)
    {
        if (failures.Length > 0)
        {
            Fail(failures, callerCancelled);
        }
        else if (callerCancelled)
        {
            EndCanceled();
        }
        else
        {
            Succeed(caught: cause == TaskGroupCancelCause.Cancel, callerCancelled: false);
        }
    }

    protected void Fail(IEnumerable<Exception> failures, bool callerCancelled)
    {
        CancellationCaught = false;
        Emit(TaskGroupEventKind.GroupCompleted, status: TaskStatus.Faulted, callerCancelled: callerCancelled);
        _done.SetException(new AggregateException(failures));
    }

    protected void EndCanceled()
    {
        CancellationCaught = false;
        Emit(TaskGroupEventKind.GroupCompleted, status: TaskStatus.Canceled, callerCancelled: true);
        _done.SetCanceled(CallerToken);
    }

    /// <summary>Ends successfully; the event reports the caller-token state the decision was made with
    /// (read again here, a caller cancelling just after the decision would make the event contradict it).</summary>
    protected void Succeed(bool caught, bool callerCancelled)
    {
        CancellationCaught = caught;
        Emit(TaskGroupEventKind.GroupCompleted, status: TaskStatus.RanToCompletion, callerCancelled: callerCancelled);
        _done.SetResult();
    }

    protected void Emit(TaskGroupEventKind kind, int childId = 0, TaskStatus status = default, TaskGroupCancelCause cause = default, Exception? exception = null, bool? callerCancelled = null)
    {
        long parent = kind == TaskGroupEventKind.GroupOpened ? ScopeTracker.CurrentGroupId : 0;
        _events.OnEvent(new TaskGroupEvent(kind, Id, parent, childId, status, cause, exception,
            tokenCancelled: Cts.IsCancellationRequested, callerTokenCancelled: callerCancelled ?? CallerToken.IsCancellationRequested));
    }
}
