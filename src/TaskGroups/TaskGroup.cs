using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace TaskGroups;

/// <summary>
/// A scope for concurrent child tasks: the body passed to <see cref="RunAsync"/> spawns children,
/// the group waits for every one of them, the first failure cancels the rest, and any task may call
/// <see cref="Cancel"/> to stop every sibling at once.
/// </summary>
/// <remarks>
/// <para><b>Outcome.</b> The task returned by <see cref="RunAsync"/> completes only after the body and
/// every child (including children spawned while the group was finishing) have completed. It then
/// ends, decided by the group's state and never by which exception arrived first:</para>
/// <list type="bullet">
/// <item>Faulted with one <see cref="TaskGroupException"/> holding every failure, first failure first,
/// if the body or any child failed (errors win over cancellation; nothing is lost);</item>
/// <item>otherwise Canceled with the caller's token, if the caller's token was cancelled before the
/// group completed, whether or not the group also cancelled itself;</item>
/// <item>otherwise RanToCompletion: the group's own cancellation signal (from <see cref="Cancel"/>
/// or a failure) is suppressed, and <see cref="CancellationCaught"/> tells whether that happened.</item>
/// </list>
/// <para>An <see cref="OperationCanceledException"/> is the group's own signal only if its token is
/// <see cref="Token"/> (or the caller's token) and that token is cancelled. Any other — a private
/// timeout's, a linked source's, or one without a token — is a failure: cancel children's work with
/// the token they receive.</para>
/// <para><b>Where children run.</b> <see cref="Spawn"/> invokes the child's delegate on the calling
/// thread, like calling an <c>async</c> method: it runs synchronously until its first incomplete
/// <c>await</c>, then continues wherever its awaits resume (the thread pool, without a
/// <see cref="SynchronizationContext"/>, unless the child captured one). A child that does CPU work
/// before its first await should start with <c>await Task.Yield()</c> or use <c>Task.Run</c>. When
/// the stack is nearly exhausted (deep nesting) the child is started on the thread pool instead.</para>
/// <para><b>Spawning after cancellation.</b> A child spawned after the group was cancelled still
/// runs, with an already-cancelled token, so that its own cleanup (<c>finally</c>,
/// <c>await using</c>) always executes; it never sees an uncancelled token. <see cref="Spawn"/>
/// never throws because of cancellation, and never throws the child's exception.</para>
/// <para><b>Thread safety.</b> Every member is safe to call concurrently from any thread, including
/// from children and from outside the group. <see cref="Cancel"/> after completion is a no-op;
/// <see cref="Spawn"/> after completion throws <see cref="InvalidOperationException"/>.</para>
/// </remarks>
/// <example>
/// <code>
/// await TaskGroup.RunAsync(group =>
/// {
///     _ = group.Spawn(async ct => { await WorkAsync(ct); group.Cancel(); }); // stops every sibling
///     _ = group.Spawn(ct => DaemonAsync(ct));
///     return Task.CompletedTask;
/// }, cancellationToken);
/// </code>
/// </example>
[System.Diagnostics.CodeAnalysis.SuppressMessage(
    "Design", "CA1001:Types that own disposable fields should be disposable",
    Justification = "The group's CancellationTokenSource has no timer and is deliberately never disposed: late Cancel() calls must stay safe. The caller registration is released at completion.")]
public sealed class TaskGroup
{
    /// <summary>Source of <see cref="Id"/> values; ids are unique within the process.</summary>
    private static long s_nextId;

    /// <summary>Guards <see cref="_failures"/> and <see cref="_cancelCause"/>.
    /// A plain object (not the C# 13 lock type, which Coyote 1.7.11 does not control). No user code runs
    /// and no task is completed while it is held.</summary>
    private readonly object _lock = new();

    /// <summary>The group's own source: cancelled by <see cref="Cancel"/>, by the first failure, or
    /// by the caller's token. Never disposed: it has no timer, and disposing it would race with late
    /// <see cref="Cancel"/> calls.</summary>
    private readonly CancellationTokenSource _cts = new();

    /// <summary>The caller's token; cancelling the group never cancels it.</summary>
    private readonly CancellationToken _callerToken;

    /// <summary>Links <see cref="_callerToken"/> to <see cref="_cts"/>; released exactly once, when
    /// the group completes (invariant 9).</summary>
    private CancellationTokenRegistration _callerRegistration;

    /// <summary>Completed exactly once, by <see cref="Complete"/>; its task is what
    /// <see cref="RunAsync"/> returns. Created without the option to run continuations asynchronously, which Coyote
    /// does not control.</summary>
    private readonly TaskCompletionSource _completion = new();

    /// <summary>The body plus every child that has not finished, plus every cancellation request
    /// still cancelling the token. Starts at 1 (the body); the decrement that reaches 0 completes the
    /// group, and a group at 0 never opens again.</summary>
    private int _pending = 1;

    /// <summary>Every failure in the order it was recorded; null until the first one.</summary>
    private List<Exception>? _failures;

    /// <summary>Why the group's token was first cancelled by the group itself.</summary>
    private TaskGroupCancelCause _cancelCause;

    /// <summary>True when the group ended successfully after cancelling itself.</summary>
    private bool _cancellationCaught;

    /// <summary>Diagnostics listener captured when the group opened; null when nobody listens.</summary>
    private readonly ITaskGroupListener? _listener;

    /// <summary>Ids handed to children, for diagnostics only.</summary>
    private int _nextChildId;

    private TaskGroup(ITaskGroupListener? listener, CancellationToken callerToken)
    {
        _callerToken = callerToken;
        _listener = listener;
        Id = Interlocked.Increment(ref s_nextId);
    }

    /// <summary>A process-wide unique id, as reported to diagnostics listeners.</summary>
    public long Id { get; }

    /// <summary>The token every child receives; cancelled when the group is cancelled for any cause:
    /// <see cref="Cancel"/>, the first failure, or the caller's token (while the group runs).</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>Whether <see cref="Token"/> has been cancelled.</summary>
    public bool IsCancellationRequested => _cts.IsCancellationRequested;

    /// <summary>
    /// True when the group completed successfully although its token had been cancelled by
    /// <see cref="Cancel"/>: the group cancelled itself and suppressed its own signal (Trio's
    /// <c>cancelled_caught</c>). False while the group is running, and when it ended any other way.
    /// </summary>
    public bool CancellationCaught => Volatile.Read(ref _cancellationCaught);

    /// <summary>
    /// Runs <paramref name="body"/> with a new group, then waits until the body and every child have
    /// completed. Never completes earlier.
    /// </summary>
    /// <param name="body">Spawns the children. It runs on the calling thread until its first await.</param>
    /// <param name="cancellationToken">The caller's token. Cancelling it cancels the group, and the
    /// group then ends Canceled with this token (or Faulted, if something failed).</param>
    /// <returns>A task that completes when the whole group has; see <see cref="TaskGroup"/> for its outcome.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    public static Task RunAsync(Func<TaskGroup, Task> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);

        var group = new TaskGroup(TaskGroupDiagnostics.CurrentListener, cancellationToken);
        group.Emit(TaskGroupEventKind.GroupOpened);

        // Registered before the body runs: an already-cancelled caller token cancels the group
        // synchronously, so the body starts with a cancelled token.
        if (cancellationToken.CanBeCanceled)
        {
            group._callerRegistration = cancellationToken.UnsafeRegister(
                static state => ((TaskGroup)state!).OnCallerCancelled(), group);
        }

        group.Track(group.Invoke(body, group, childId: 0), childId: 0);
        return group._completion.Task;
    }

    /// <summary>
    /// Starts a child. The child's delegate runs immediately on the calling thread until its first
    /// incomplete await (see <see cref="TaskGroup"/>). Its exception, if any, becomes a failure of
    /// the group; <see cref="Spawn"/> itself never throws it.
    /// </summary>
    /// <param name="work">The child; it receives <see cref="Token"/>.</param>
    /// <returns>The child's own task, for awaiting its outcome; the group observes its exception,
    /// so leaving it un-awaited is safe.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="work"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The group has completed.</exception>
    public Task Spawn(Func<CancellationToken, Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        int childId = Enter();
        Task task = Invoke(work, _cts.Token, childId);
        Track(task, childId);
        return task;
    }

    /// <summary>Starts a child that produces a result; see <see cref="Spawn(Func{CancellationToken, Task})"/>.</summary>
    /// <typeparam name="T">The child's result type.</typeparam>
    /// <param name="work">The child; it receives <see cref="Token"/>.</param>
    /// <returns>The child's own task.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="work"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The group has completed.</exception>
    public Task<T> Spawn<T>(Func<CancellationToken, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        int childId = Enter();
        Task<T> task = Invoke(work, childId);
        Track(task, childId);
        return task;
    }

    /// <summary>
    /// Cancels the group: when this returns, <see cref="Token"/> and every child's token are
    /// cancelled. If nothing failed and the caller's token was not cancelled, the group then ends
    /// successfully. Idempotent, safe from any thread, and a no-op once the group has completed.
    /// </summary>
    public void Cancel() => RequestCancel(TaskGroupCancelCause.Cancel);

    /// <inheritdoc/>
    public override string ToString() => $"TaskGroup#{Id}";

    // ---------------------------------------------------------------------------------------------
    // Children: enter, invoke, track, leave.
    // ---------------------------------------------------------------------------------------------

    /// <summary>Counts a new child in, unless the group has completed. Returns its diagnostics id.</summary>
    private int Enter()
    {
        if (!TryEnter())
        {
            ThrowHelper.ThrowGroupCompleted(this);
        }

        if (_listener is null)
        {
            return 0;
        }

        int childId = Interlocked.Increment(ref _nextChildId);
        Emit(TaskGroupEventKind.ChildSpawned, childId);
        return childId;
    }

    /// <summary>Counts one more participant in (a child, or a cancellation in progress), unless the
    /// group has completed.</summary>
    private bool TryEnter()
    {
        int pending = Volatile.Read(ref _pending);
        while (true)
        {
            // 0 is final: the group decided its outcome, so it can never take a participant again.
            if (pending == 0)
            {
                return false;
            }

            int seen = Interlocked.CompareExchange(ref _pending, pending + 1, pending);
            if (seen == pending)
            {
                return true;
            }

            pending = seen;
        }
    }

    /// <summary>Runs a child's (or the body's) delegate and turns a synchronous throw into a
    /// completed task, so that every outcome takes the same path.</summary>
    private Task Invoke<TArg>(Func<TArg, Task> work, TArg argument, int childId)
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            // Deeply nested groups: continue on a fresh thread-pool stack rather than overflow.
            return Task.Run(() => Invoke(work, argument, childId));
        }

        TaskGroup? previous = EnterChildScope(childId);
        try
        {
            return work(argument) ?? Task.FromException(ThrowHelper.NullTask());
        }
        catch (OperationCanceledException oce) when (IsGroupCancellation(oce.CancellationToken))
        {
            return Task.FromCanceled(oce.CancellationToken);
        }
        catch (Exception exception)
        {
            return Task.FromException(exception);
        }
        finally
        {
            ExitChildScope(previous);
        }
    }

    /// <inheritdoc cref="Invoke{TArg}(Func{TArg, Task}, TArg, int)"/>
    private Task<T> Invoke<T>(Func<CancellationToken, Task<T>> work, int childId)
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            return Task.Run(() => Invoke(work, childId));
        }

        TaskGroup? previous = EnterChildScope(childId);
        try
        {
            return work(_cts.Token) ?? Task.FromException<T>(ThrowHelper.NullTask());
        }
        catch (OperationCanceledException oce) when (IsGroupCancellation(oce.CancellationToken))
        {
            return Task.FromCanceled<T>(oce.CancellationToken);
        }
        catch (Exception exception)
        {
            return Task.FromException<T>(exception);
        }
        finally
        {
            ExitChildScope(previous);
        }
    }

    /// <summary>Waits for a child without throwing, then accounts for its outcome.</summary>
    private void Track(Task task, int childId)
    {
        if (task.IsCompleted)
        {
            OnChildCompleted(task, childId);
        }
        else
        {
            TrackLater(task, childId);
        }
    }

    /// <summary>Runs <see cref="OnChildCompleted"/> when <paramref name="task"/> completes, on the
    /// completing thread.</summary>
    /// <remarks>
    /// Not an <c>async</c> method that awaits the child inside try/catch: that throws (and allocates
    /// an exception and a stack trace) once per cancelled child, which made the cancel fan-out 4-6x
    /// slower than the hand-rolled pattern. <c>ConfigureAwaitOptions.SuppressThrowing</c> would avoid
    /// the throw, but Coyote 1.7.11 does not rewrite that overload (the strict-mode tests crash). A
    /// continuation registered through <c>ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted</c> never
    /// throws, costs one closure and one delegate (less than an async state machine box), and is
    /// rewritten by Coyote into a controlled operation on its synchronization context.
    /// Kept out of <see cref="Track"/> so that the closure is allocated only for incomplete children.
    /// </remarks>
    private void TrackLater(Task task, int childId) =>
        task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(() => OnChildCompleted(task, childId));

    /// <summary>Records a finished child's failures (never its own-signal cancellation), then lets
    /// it leave. Runs exactly once per child, after the child's task completed: so when the last one
    /// leaves, every child's task has completed (invariant 1).</summary>
    private void OnChildCompleted(Task task, int childId)
    {
        Debug.Assert(task.IsCompleted);
        if (task.IsFaulted)
        {
            // Reading Exception marks it observed: no UnobservedTaskException for children (invariant 1).
            foreach (Exception exception in task.Exception!.InnerExceptions)
            {
                if (exception is not OperationCanceledException oce || !IsGroupCancellation(oce.CancellationToken))
                {
                    RecordFailure(exception);
                }
            }
        }
        else if (task.IsCanceled)
        {
            if (!IsGroupCancellation(CancellationTokenOf(task)))
            {
                RecordFailure(CancellationExceptionOf(task));
            }
        }

        Emit(TaskGroupEventKind.ChildCompleted, childId, task.Status);
        Leave();
    }

    /// <summary>A child, the body or a cancellation request is done; the last one out completes the group.</summary>
    private void Leave()
    {
        int pending = Interlocked.Decrement(ref _pending);
        Debug.Assert(pending >= 0, "More children left than entered.");
        if (pending == 0)
        {
            Complete();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Cancellation and failures.
    // ---------------------------------------------------------------------------------------------

    /// <summary>
    /// An <see cref="OperationCanceledException"/> for <paramref name="token"/> is the group's own
    /// signal (or the caller's cancellation arriving through it), not a failure, only if the token is
    /// the group's or the caller's and it really is cancelled. Any other token (a child's private
    /// timeout, say) makes it a failure.
    /// </summary>
    private bool IsGroupCancellation(CancellationToken token) =>
        token.IsCancellationRequested && (token == _cts.Token || token == _callerToken);

    private void RecordFailure(Exception exception)
    {
        lock (_lock)
        {
            AssertInvariants();
            (_failures ??= []).Add(exception);
        }

        Emit(TaskGroupEventKind.ChildFailed, exception: exception);

        // Fail-fast (invariant 6): the first failure cancels every sibling.
        RequestCancel(TaskGroupCancelCause.Failure);
    }

    /// <summary>The caller's token was cancelled: cancel the group, inline like a linked source.</summary>
    private void OnCallerCancelled()
    {
        if (RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            RequestCancel(TaskGroupCancelCause.CallerToken);
            return;
        }

        // Groups nested tens of thousands deep cancel each other inline, one stack frame chain per
        // level: continue on a fresh thread-pool stack rather than overflow. The pending slot keeps
        // the group from completing before its token is cancelled.
        if (TryEnter())
        {
            _ = Task.Run(() =>
            {
                try
                {
                    RequestCancel(TaskGroupCancelCause.CallerToken);
                }
                finally
                {
                    Leave();
                }
            });
        }
    }

    private void RequestCancel(TaskGroupCancelCause cause)
    {
        // A request in progress counts as a participant, so the group cannot complete between
        // accepting it and cancelling the token: otherwise the children's token callbacks would run
        // after completion and a callback's exception would be lost, while Complete() already
        // reported CancellationCaught for a token that was not cancelled yet.
        if (!TryEnter())
        {
            return; // Invariant 7: a no-op after completion.
        }

        try
        {
            lock (_lock)
            {
                AssertInvariants();
                if (_cancelCause == TaskGroupCancelCause.None)
                {
                    _cancelCause = cause;
                }
            }

            if (_cts.IsCancellationRequested)
            {
                return; // Idempotent: the first request already cancelled every token.
            }

            try
            {
                // Runs the children's registrations inline, on this thread, before Cancel() returns
                // (invariant 7: no scheduling delay).
                _cts.Cancel();
            }
            catch (AggregateException callbackFailures)
            {
                // A child's token registration threw: a failure of the group, never lost (invariant 5).
                foreach (Exception exception in callbackFailures.InnerExceptions)
                {
                    RecordFailure(exception);
                }
            }

            // Raised once the token is cancelled (so a listener that saw it knows every child
            // spawned afterwards starts cancelled) and before this request lets the group complete.
            Emit(TaskGroupEventKind.CancelRequested, cause: cause);
        }
        finally
        {
            Leave();
        }
    }

    /// <summary>Decides the outcome by state and completes <see cref="RunAsync"/>'s task. Runs
    /// exactly once, when the last of the body and the children has left.</summary>
    private void Complete()
    {
        // Unregister, not Dispose: Dispose would block until a concurrently running caller callback
        // finished, which is an uncontrolled wait under Coyote. Released exactly once (invariant 9).
        _callerRegistration.Unregister();

        List<Exception>? failures;
        TaskGroupCancelCause cause;
        lock (_lock)
        {
            AssertInvariants();

            // Completion is "_pending reached 0", which is final: TryEnter never leaves 0, so no
            // child or cancellation request can start after this point.
            Debug.Assert(Volatile.Read(ref _pending) == 0, "Completed with children still pending.");
            failures = _failures;
            cause = _cancelCause;
        }

        // Read once: the outcome and the event must agree even if the caller cancels right now.
        bool callerCancelled = _callerToken.IsCancellationRequested;
        if (failures is not null)
        {
            Emit(TaskGroupEventKind.GroupCompleted, status: TaskStatus.Faulted, callerCancelled: callerCancelled);
            _completion.SetException(new TaskGroupException(failures));
        }
        else if (callerCancelled)
        {
            // Never swallow the caller's cancellation (invariant 3), whatever else happened.
            Emit(TaskGroupEventKind.GroupCompleted, status: TaskStatus.Canceled, callerCancelled: true);
            _completion.SetCanceled(_callerToken);
        }
        else
        {
            Volatile.Write(ref _cancellationCaught, cause == TaskGroupCancelCause.Cancel);
            Emit(TaskGroupEventKind.GroupCompleted, status: TaskStatus.RanToCompletion, callerCancelled: false);
            _completion.SetResult();
        }
    }

    /// <summary>Reads Task's internal <c>CancellationToken</c> property; null if this runtime has no
    /// such member (see <see cref="CancellationTokenOf"/>).</summary>
    private static readonly Func<Task, CancellationToken>? s_taskTokenReader = CreateTaskTokenReader();

    /// <summary>The token a Canceled <paramref name="task"/> was cancelled with, without a throw.</summary>
    /// <remarks>
    /// Runs once per cancelled child, so it is the cancel fan-out's hot path. Task has no public way to
    /// read this token: <c>new TaskCanceledException(task).CancellationToken</c> works without a throw,
    /// but allocates and initialises an exception per child (about 140 B and a resource-string
    /// lookup), which put the fan-out over its allocation budget (64 B per child above the hand-rolled
    /// pattern). Task's internal <c>CancellationToken</c> property (there since .NET Framework 4; it is
    /// what that exception's constructor reads) is read through a delegate bound once by reflection,
    /// which allocates nothing per call. An <c>[UnsafeAccessor]</c> would be cheaper still, but Coyote
    /// 1.7.11 fails to rewrite an assembly containing one ("Value cannot be null. (Parameter
    /// 'target')"). Should a runtime lack the member, the exception form is used.
    /// </remarks>
    private static CancellationToken CancellationTokenOf(Task task) =>
        s_taskTokenReader is { } read ? read(task) : new TaskCanceledException(task).CancellationToken;

    private static Func<Task, CancellationToken>? CreateTaskTokenReader()
    {
        // A constant name on typeof(Task): the trimmer sees and keeps the member, so this stays
        // trimming- and AOT-safe.
        MethodInfo? getter = typeof(Task)
            .GetProperty("CancellationToken", BindingFlags.Instance | BindingFlags.NonPublic)?
            .GetMethod;
        if (getter is null || getter.ReturnType != typeof(CancellationToken) || getter.GetParameters().Length != 0)
        {
            return null;
        }

        return getter.CreateDelegate<Func<Task, CancellationToken>>();
    }

    /// <summary>The exception a cancelled child ended with (rare path: only for a failure).</summary>
    private static Exception CancellationExceptionOf(Task task)
    {
        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (Exception exception)
        {
            return exception;
        }

        return new TaskCanceledException(task);
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(Monitor.IsEntered(_lock));
        Debug.Assert(_failures is null || _failures.Count > 0);
    }

    // ---------------------------------------------------------------------------------------------
    // Diagnostics: everything below costs one null check when nobody listens.
    // ---------------------------------------------------------------------------------------------

    private TaskGroup? EnterChildScope(int childId)
    {
        if (_listener is null)
        {
            return null;
        }

        Emit(TaskGroupEventKind.ChildStarted, childId);
        return TaskGroupDiagnostics.EnterGroup(this);
    }

    private void ExitChildScope(TaskGroup? previous)
    {
        if (_listener is not null)
        {
            TaskGroupDiagnostics.ExitGroup(previous);
        }
    }

    private void Emit(
        TaskGroupEventKind kind,
        int childId = 0,
        TaskStatus status = default,
        TaskGroupCancelCause cause = TaskGroupCancelCause.None,
        Exception? exception = null,
        bool? callerCancelled = null)
    {
        if (_listener is null)
        {
            return;
        }

        long parentId = kind == TaskGroupEventKind.GroupOpened ? TaskGroupDiagnostics.CurrentGroup?.Id ?? 0 : 0;
        _listener.OnEvent(new TaskGroupEvent(
            kind, Id, parentId, childId, status, cause, exception,
            tokenCancelled: _cts.IsCancellationRequested,
            callerTokenCancelled: callerCancelled ?? _callerToken.IsCancellationRequested));
    }
}
