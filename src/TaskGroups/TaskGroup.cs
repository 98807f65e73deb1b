using System.Diagnostics;
using System.Collections.ObjectModel;
using System.Runtime.CompilerServices;

namespace TaskGroups;

/// <summary>
/// A scope for concurrent child tasks: the body passed to <see cref="RunAsync(Func{TaskGroup, Task}, CancellationToken)"/> spawns children,
/// the group waits for every one of them, the first failure cancels the rest, and any task may call
/// <see cref="Cancel()"/> to stop every sibling at once.
/// </summary>
/// <remarks>
/// <para><b>Outcome.</b> The task returned by <see cref="RunAsync(Func{TaskGroup, Task}, CancellationToken)"/> completes only after the body and
/// every child (including children spawned while the group was finishing) have completed. It then
/// ends, decided by the group's state and never by which exception arrived first:</para>
/// <list type="bullet">
/// <item>Faulted with one <see cref="TaskGroupException"/> holding every failure, first failure first,
/// if the body or any child failed (errors win over cancellation; nothing is lost);</item>
/// <item>otherwise Canceled with the caller's token, if the caller's token was cancelled before the
/// group completed, whether or not the group also cancelled itself;</item>
/// <item>otherwise RanToCompletion: the group's own cancellation signal (from <see cref="Cancel()"/>
/// or a failure) is suppressed, and <see cref="CancellationCaught"/> tells whether that happened.</item>
/// </list>
/// <para><b>The own signal.</b> An <see cref="OperationCanceledException"/> — whatever token it
/// carries, or none — that ends the body or a child, or that a token registration throws while the
/// group cancels, is the group's own signal if the group's token (or the caller's) is cancelled when
/// the group observes it; it is then not a failure. So children may cancel through linked sources,
/// per-operation timeouts linked to their token, <c>TrySetCanceled()</c> or
/// <c>throw new OperationCanceledException()</c>. While the group's token is not cancelled, every
/// <see cref="OperationCanceledException"/> is a failure: a child's private timeout fails the group
/// and cancels its siblings. (Accepted race: a private timeout that fires at the same moment as the
/// group's own cancellation is absorbed.)</para>
/// <para><b>Each failure once.</b> The same exception instance reaching the group twice (a child's
/// failure rethrown by the body or by a sibling that awaited the child) is recorded once.</para>
/// <para><b>Execution context.</b> Like an <c>async</c> method, a child's or the body's synchronous
/// part does not leak <see cref="AsyncLocal{T}"/> or culture changes to its spawner, its siblings
/// or the caller; values still flow into children. (Unlike an async method, a synchronization
/// context a child installs synchronously is not undone: reading it is uncontrolled under Coyote.)</para>
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
/// from children and from outside the group. <see cref="Cancel()"/> after completion is a no-op;
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
public sealed partial class TaskGroup
{
    /// <summary>Source of <see cref="Id"/> values; ids are unique within the process.</summary>
    private static long s_nextId;

    /// <summary>Guards <see cref="_failures"/> and <see cref="_cancelCause"/>.
    /// A plain object (not the C# 13 lock type, which Coyote 1.7.11 does not control). No user code runs
    /// and no task is completed while it is held.</summary>
    private readonly object _lock = new();

    /// <summary>The group's own source: cancelled by <see cref="Cancel()"/>, by the first failure, or
    /// by the caller's token. Never disposed: it has no timer, and disposing it would race with late
    /// <see cref="Cancel()"/> calls.</summary>
    private readonly CancellationTokenSource _cts = new();

    /// <summary>The caller's token; cancelling the group never cancels it.</summary>
    private readonly CancellationToken _callerToken;

    /// <summary>Links <see cref="_callerToken"/> to <see cref="_cts"/>; released exactly once, when
    /// the group completes (invariant 9).</summary>
    private CancellationTokenRegistration _callerRegistration;

    /// <summary>Completed exactly once, by <see cref="Complete"/>; its task is what
    /// <see cref="RunAsync(Func{TaskGroup, Task}, CancellationToken)"/> returns. Created without the option to run continuations asynchronously, which Coyote
    /// does not control.</summary>
    private readonly TaskCompletionSource _completion = new();

    /// <summary>The body plus every child that has not finished, plus every cancellation request
    /// still cancelling the token. Starts at 1 (the body); the decrement that reaches 0 completes the
    /// group, and a group at 0 never opens again.</summary>
    private int _pending = 1;

    /// <summary>Every failure in the order it was recorded, each instance once; null until the first one.</summary>
    private List<Exception>? _failures;

    /// <summary>The same instances as <see cref="_failures"/>, by reference; built only once the list
    /// holds <see cref="FailureScanLimit"/> failures, so that deduplication stays linear overall.</summary>
    private HashSet<Exception>? _failureSet;

    /// <summary>Up to this many failures, deduplication scans the list.</summary>
    private const int FailureScanLimit = 16;

    /// <summary>Why the group's token was first cancelled by the group itself.</summary>
    private TaskGroupCancelCause _cancelCause;

    /// <summary>True when the group ended successfully after cancelling itself.</summary>
    private bool _cancellationCaught;

    /// <summary>Diagnostics listener captured when the group opened; null when nobody listens.</summary>
    private readonly ITaskGroupListener? _listener;


    /// <summary>Ids handed to children (1, 2, …; the body is 0), for diagnostics and cancel reasons.</summary>
    private int _nextChildId;

    /// <summary>False in supervisor mode: a child's failure does not cancel the group.</summary>
    private readonly bool _failFast;

    /// <summary>The clock of the deadline, of <see cref="CancelAfter"/> and of shielded grace periods.</summary>
    private readonly TimeProvider _timeProvider;

    /// <summary>Queues children over <see cref="TaskGroupOptions.MaxConcurrency"/>; null without a
    /// limit, so that unlimited groups pay one null check.</summary>
    private readonly ConcurrencyLimiter? _limiter;

    /// <summary>The deadline's timer (null without one); disposed when the group completes.</summary>
    private ITimer? _deadlineTimer;

    /// <summary>The latest <see cref="CancelAfter"/> timer, guarded by <see cref="_lock"/>; disposed
    /// when replaced and when the group completes.</summary>
    private ITimer? _cancelAfterTimer;

    /// <summary>Why the token was first cancelled, in words; set once, with <see cref="_cancelCause"/>.</summary>
    private string? _cancelReason;

    /// <summary>The group's activity and measurements; null when no ActivityListener or MeterListener
    /// listens to <c>TaskGroups</c> (then each use below is one null check).</summary>
    private readonly GroupTelemetry? _telemetry;

    private TaskGroup(ITaskGroupListener? listener, TaskGroupOptions options, CancellationToken callerToken)
    {
        _callerToken = callerToken;
        _listener = listener;
        _failFast = options.FailFast;
        _timeProvider = options.TimeProvider;
        _limiter = options.MaxConcurrency is { } limit ? new ConcurrencyLimiter(limit) : null;
        Id = Interlocked.Increment(ref s_nextId);
        _telemetry = TaskGroupTelemetry.Open(Id);
    }

    /// <summary>A process-wide unique id, as reported to diagnostics listeners.</summary>
    public long Id { get; }

    /// <summary>The token every child receives; cancelled when the group is cancelled for any cause:
    /// <see cref="Cancel()"/>, the first failure, or the caller's token (while the group runs).</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>Whether <see cref="Token"/> has been cancelled.</summary>
    public bool IsCancellationRequested => _cts.IsCancellationRequested;

    /// <summary>
    /// True when the group completed successfully although its token had been cancelled by
    /// <see cref="Cancel()"/>: the group cancelled itself and suppressed its own signal (Trio's
    /// <c>cancelled_caught</c>). False while the group is running, and when it ended any other way.
    /// </summary>
    public bool CancellationCaught => Volatile.Read(ref _cancellationCaught);

    /// <summary>
    /// Why <see cref="Token"/> was first cancelled, in words (Trio 0.31's and AnyIO 4.11's cancel
    /// reasons): the reason given to <see cref="Cancel(string?)"/>, "child 3 failed: IOException: …",
    /// "the caller's token was cancelled", "deadline of 30 s elapsed", … Null while the token is not cancelled.
    /// Also carried by <see cref="TaskGroupEventKind.CancelRequested"/> events.
    /// </summary>
    public string? CancellationReason => Volatile.Read(ref _cancelReason);

    /// <summary>
    /// Runs <paramref name="body"/> with a new group, then waits until the body and every child have
    /// completed. Never completes earlier.
    /// </summary>
    /// <param name="body">Spawns the children. It runs on the calling thread until its first await.</param>
    /// <param name="cancellationToken">The caller's token. Cancelling it cancels the group, and the
    /// group then ends Canceled with this token (or Faulted, if something failed).</param>
    /// <returns>A task that completes when the whole group has; see <see cref="TaskGroup"/> for its outcome.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters",
        Justification = "The overload set is fixed by the spec; the overloads differ in a required parameter, so no call is ambiguous.")]
    public static Task RunAsync(Func<TaskGroup, Task> body, CancellationToken cancellationToken = default) =>
        RunAsync(body, TaskGroupOptions.Default, cancellationToken);

    /// <summary>
    /// Runs <paramref name="body"/> with a new group configured by <paramref name="options"/> (a
    /// deadline, its clock, a concurrency limit, supervisor mode), then waits until the body and every
    /// child have completed.
    /// </summary>
    /// <param name="body">Spawns the children. It runs on the calling thread until its first await.</param>
    /// <param name="options">The group's options.</param>
    /// <param name="cancellationToken">The caller's token; see <see cref="RunAsync(Func{TaskGroup, Task}, CancellationToken)"/>.</param>
    /// <returns>A task that completes when the whole group has. With a <see cref="TaskGroupOptions.Timeout"/>
    /// that elapsed (and no failure, no caller cancellation), awaiting it throws <see cref="TimeoutException"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters",
        Justification = "The overload set is fixed by the spec; the overloads differ in a required parameter, so no call is ambiguous.")]
    public static Task RunAsync(Func<TaskGroup, Task> body, TaskGroupOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        var group = new TaskGroup(TaskGroupDiagnostics.CurrentListener, options, cancellationToken);
        group.Emit(TaskGroupEventKind.GroupOpened, options: options);

        // Registered before the body runs: an already-cancelled caller token cancels the group
        // synchronously, so the body starts with a cancelled token.
        if (cancellationToken.CanBeCanceled)
        {
            group._callerRegistration = cancellationToken.UnsafeRegister(
                static state => ((TaskGroup)state!).OnCallerCancelled(), group);
        }

        if (options.Timeout is { } timeout && timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            group.StartDeadline(timeout);
        }

        group.Track(group.Invoke(body, group, childId: 0), childId: 0);
        return group._completion.Task;
    }

    /// <summary>
    /// Runs <paramref name="body"/>, which produces a result, with a new group; see
    /// <see cref="RunAsync(Func{TaskGroup, Task}, CancellationToken)"/>. The result is the body's.
    /// If the group ends successfully but the body itself ended with the group's own cancellation
    /// (so it produced no result), the result is <c>default(T)</c>; <see cref="CancellationCaught"/> tells.
    /// </summary>
    /// <typeparam name="T">The body's result.</typeparam>
    /// <param name="body">Spawns the children and produces the result.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>The body's result, once the whole group has completed.</returns>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters",
        Justification = "The overload set is fixed by the spec.")]
    public static Task<T> RunAsync<T>(Func<TaskGroup, Task<T>> body, CancellationToken cancellationToken = default) =>
        RunAsync(body, TaskGroupOptions.Default, cancellationToken);

    /// <inheritdoc cref="RunAsync{T}(Func{TaskGroup, Task{T}}, CancellationToken)"/>
    /// <param name="body">Spawns the children and produces the result.</param>
    /// <param name="options">The group's options.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters",
        Justification = "The overload set is fixed by the spec.")]
    public static Task<T> RunAsync<T>(Func<TaskGroup, Task<T>> body, TaskGroupOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        Task<T>? bodyTask = null;
        // Typed as the overload without a result: a lambda returning Task<T> would bind to this very
        // method again and recurse until the stack overflowed.
        Func<TaskGroup, Task> keepingBodyTask = group => bodyTask = body(group);
        return ResultOf(RunAsync(keepingBodyTask, options, cancellationToken), () => bodyTask);
    }

    /// <summary>The group's outcome (awaiting <paramref name="run"/> rethrows its one exception, or
    /// its cancellation with the caller's token), then the body's result.</summary>
    private static async Task<T> ResultOf<T>(Task run, Func<Task<T>?> bodyTask)
    {
        await run.ConfigureAwait(false);
        return bodyTask() is { IsCompletedSuccessfully: true } completed ? completed.Result : default!;
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
        if (_limiter is not null)
        {
            return SpawnLimited(work, childId);
        }

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
        if (_limiter is not null)
        {
            return SpawnLimited(work, childId);
        }

        Task<T> task = Invoke(work, childId);
        Track(task, childId);
        return task;
    }

    /// <summary>
    /// Cancels the group: when this returns, <see cref="Token"/> and every child's token are
    /// cancelled. If nothing failed and the caller's token was not cancelled, the group then ends
    /// successfully. Idempotent, safe from any thread, and a no-op once the group has completed.
    /// </summary>
    public void Cancel() => Cancel(null);

    /// <summary>Cancels the group, like <see cref="Cancel()"/>, and records <paramref name="reason"/>
    /// as <see cref="CancellationReason"/> if this is the first cancellation.</summary>
    /// <param name="reason">Why, in words; null for the default "Cancel() was called".</param>
    public void Cancel(string? reason)
    {
        RequestCancel(TaskGroupCancelCause.Cancel, reason ?? "Cancel() was called");
        if (_listener is not null)
        {
            ReportCancelReturned();
        }
    }

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
            if (_listener is not null)
            {
                // Invariant 8 for a listener: the spawn is refused and its child never runs. The group
                // has completed, so a listener's exception has no group left to fail (dropped).
                _ = TryEmit(TaskGroupEventKind.SpawnRejected, 0, default, TaskGroupCancelCause.None, null, _callerToken.IsCancellationRequested);
            }

            ThrowHelper.ThrowGroupCompleted(this);
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

    /// <summary>Runs a child's (or the body's) delegate as an <c>async</c> method would: a synchronous
    /// throw becomes the returned task's outcome (an <see cref="OperationCanceledException"/> makes it
    /// Canceled), and changes the delegate's synchronous part makes to the execution context
    /// (<see cref="AsyncLocal{T}"/> values, culture) do not leak to the spawner.</summary>
    private Task Invoke<TArg>(Func<TArg, Task> work, TArg argument, int childId)
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            return InvokeOnFreshStack(work, argument, childId);
        }

        // The isolation an async method gets from its builder's Start, which saves the thread's
        // execution context before the first step and restores it afterwards. Calling
        // ExecutionContext.Restore directly would be an uncontrolled invocation under Coyote's strict
        // mode; the builder is rewritten by Coyote like every async method's. No allocation: the
        // state machine is a struct and it never awaits.
        var step = new SynchronousStep<TArg>(this, work, argument, childId);
        AsyncTaskMethodBuilder.Create().Start(ref step);
        return step.Result!;
    }

    /// <inheritdoc cref="Invoke{TArg}(Func{TArg, Task}, TArg, int)"/>
    private Task<T> Invoke<T>(Func<CancellationToken, Task<T>> work, int childId)
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            return InvokeOnFreshStack(work, childId);
        }

        var step = new SynchronousResultStep<T>(this, work, childId);
        AsyncTaskMethodBuilder.Create().Start(ref step);
        return step.Result!;
    }

    /// <summary>The delegate's synchronous part, inside the execution-context scope of
    /// <see cref="Invoke{TArg}(Func{TArg, Task}, TArg, int)"/>.</summary>
    internal Task InvokeCore<TArg>(Func<TArg, Task> work, TArg argument, int childId)
    {
        TaskGroup? previous = EnterChildScope(childId);
        System.Diagnostics.Activity? activity = _telemetry?.Enter(childId);
        Task task;
        try
        {
            task = work(argument) ?? Task.FromException(ThrowHelper.NullTask());
        }
        catch (OperationCanceledException oce)
        {
            task = Completed.Canceled(oce);
        }
        catch (Exception exception)
        {
            task = Task.FromException(exception);
        }
        finally
        {
            ExitChildScope(previous);
        }

        if (activity is not null)
        {
            // Registered before the group's own tracking, so the child's activity normally ends first.
            GroupTelemetry.Track(activity, task);
        }

        return task;
    }

    /// <inheritdoc cref="InvokeCore{TArg}(Func{TArg, Task}, TArg, int)"/>
    internal Task<T> InvokeCore<T>(Func<CancellationToken, Task<T>> work, int childId)
    {
        TaskGroup? previous = EnterChildScope(childId);
        System.Diagnostics.Activity? activity = _telemetry?.Enter(childId);
        Task<T> task;
        try
        {
            task = work(_cts.Token) ?? Task.FromException<T>(ThrowHelper.NullTask());
        }
        catch (OperationCanceledException oce)
        {
            task = Completed.Canceled<T>(oce);
        }
        catch (Exception exception)
        {
            task = Task.FromException<T>(exception);
        }
        finally
        {
            ExitChildScope(previous);
        }

        if (activity is not null)
        {
            GroupTelemetry.Track(activity, task);
        }

        return task;
    }

    /// <summary>Deeply nested groups: continues on a fresh thread-pool stack rather than overflow.</summary>
    /// <remarks>A method of its own: a lambda inside <c>Invoke</c> would make the
    /// compiler allocate its closure on every call (48 bytes per child), not only on this path.</remarks>
    private Task InvokeOnFreshStack<TArg>(Func<TArg, Task> work, TArg argument, int childId) =>
        Task.Run(() => Invoke(work, argument, childId));

    /// <inheritdoc cref="InvokeOnFreshStack{TArg}(Func{TArg, Task}, TArg, int)"/>
    private Task<T> InvokeOnFreshStack<T>(Func<CancellationToken, Task<T>> work, int childId) =>
        Task.Run(() => Invoke(work, childId));

    /// <summary>Waits for a child without throwing, then accounts for its outcome.</summary>
    private void Track(Task task, int childId)
    {
        if (task.IsCompleted)
        {
            OnChildCompleted(task, childId);
            Leave();
        }
        else
        {
            TrackLater(task, childId);
        }
    }

    /// <summary>Runs <see cref="OnChildCompleted"/> when <paramref name="task"/> completes, on the
    /// completing thread, then lets the child's participant slot go.</summary>
    /// <remarks>
    /// <para>One closure and one delegate per incomplete child (104 B). A batch of 16 children sharing one
    /// continuation cut that to about 18 B, but under Coyote it hid a plain lost-update race between
    /// two children from exploration (the verification engine's own test stopped finding it), so it
    /// was taken out until that is understood.</para>
    /// <para>Not an <c>async</c> method that awaits the child inside try/catch: that throws (and allocates
    /// an exception and a stack trace) once per cancelled child, which made the cancel fan-out 4-6x
    /// slower than the hand-rolled pattern. <c>ConfigureAwaitOptions.SuppressThrowing</c> would avoid
    /// the throw, but Coyote 1.7.11 does not rewrite that overload (the strict-mode tests crash). A
    /// continuation registered through <c>ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted</c> never
    /// throws and is rewritten by Coyote into a controlled operation.</para>
    /// </remarks>
    private void TrackLater(Task task, int childId) =>
        task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(() =>
        {
            OnChildCompleted(task, childId);
            Leave();
        });

    /// <summary>Records a finished child's failures (never the group's own signal). Runs exactly once
    /// per child, after the child's task completed; the caller then lets the child's participant slot
    /// go (<see cref="Leave"/>), so when the last one leaves, every child's task has completed and
    /// been accounted for (invariant 1).</summary>
    internal void OnChildCompleted(Task task, int childId)
    {
        Debug.Assert(task.IsCompleted);
        if (task.IsFaulted)
        {
            // Reading Exception marks it observed: no UnobservedTaskException for children (invariant 1).
            ReadOnlyCollection<Exception> exceptions = task.Exception!.InnerExceptions;
            bool ownSignal = IsOwnSignalObserved();
            foreach (Exception exception in exceptions)
            {
                if (!(ownSignal && exception is OperationCanceledException))
                {
                    RecordFailure(exception, childId);
                }
            }
        }
        else if (task.IsCanceled && !IsOwnSignalObserved())
        {
            RecordFailure(CancellationExceptionOf(task), childId);
        }

        Emit(TaskGroupEventKind.ChildCompleted, childId, task.Status);
    }

    /// <summary>A child, the body or a cancellation request is done; the last one out completes the group.</summary>
    internal void Leave()
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
    /// The own-signal rule (second revision): an <see cref="OperationCanceledException"/> the group
    /// observes now — whatever token it carries — is the group's own signal, not a failure, if the
    /// group's token is cancelled. The caller's token counts too: it cancels the group's token from
    /// its registration, and a child on another thread may observe the caller's token a moment
    /// before that registration has run; that cancellation must still end Canceled, not Faulted.
    /// </summary>
    private bool IsOwnSignalObserved() => _cts.IsCancellationRequested || _callerToken.IsCancellationRequested;

    /// <summary>Records <paramref name="exception"/> once (the same instance can arrive twice: a
    /// child's failure rethrown by the body or by a sibling that awaited it) and, unless the group
    /// supervises its children, cancels the group.</summary>
    /// <param name="exception">The failure.</param>
    /// <param name="childId">The child that failed (1, 2, …), the body (0), or <see cref="NotAChild"/>.</param>
    private void RecordFailure(Exception exception, int childId)
    {
        if (!AddFailure(exception))
        {
            return;
        }

        Emit(TaskGroupEventKind.ChildFailed, childId, exception: exception);
        _telemetry?.OnFailure(exception);

        // Fail-fast (invariant 6): the first failure cancels every sibling. In supervisor mode only
        // the body's own failure does (Kotlin's supervisorScope).
        if (_failFast || childId == 0)
        {
            RequestCancel(TaskGroupCancelCause.Failure, Volatile.Read(ref _cancelReason) is null ? DescribeFailure(exception, childId) : null);
        }
    }

    /// <summary>The <see cref="RecordFailure"/> id of a failure that is not a child's (a token registration's).</summary>
    private const int NotAChild = -1;

    /// <summary>A cancel reason for a failure, e.g. "child 3 failed: IOException: disk full". Never for
    /// <see cref="NotAChild"/>: a token registration fails only inside <see cref="RequestCancel"/>,
    /// after the reason was set, and the reason is described only while none is set.</summary>
    private static string DescribeFailure(Exception exception, int childId)
    {
        Debug.Assert(childId != NotAChild, "A token registration failed before the cancel reason was set.");
        string who = childId == 0 ? "the body" : $"child {childId}";
        string message;
        try
        {
            message = exception.Message; // user code: may throw
        }
        catch (Exception)
        {
            message = "(its Message threw)";
        }

        return $"{who} failed: {exception.GetType().Name}: {message}";
    }

    /// <summary>Adds a failure unless this very instance is already recorded. Returns whether it was added.</summary>
    private bool AddFailure(Exception exception)
    {
        lock (_lock)
        {
            AssertInvariants();
            if (_failures is null)
            {
                _failures = [exception];
                return true;
            }

            // A linear scan while the list is short (the usual case: one or a few failures); past
            // that, a reference set keeps a group with many failing children linear overall.
            if (_failureSet is null && _failures.Count >= FailureScanLimit)
            {
                _failureSet = new HashSet<Exception>(_failures, ReferenceEqualityComparer.Instance);
            }

            bool added = _failureSet is not null ? _failureSet.Add(exception) : !ContainsReference(_failures, exception);
            if (added)
            {
                _failures.Add(exception);
            }

            return added;
        }
    }

    private static bool ContainsReference(List<Exception> failures, Exception exception)
    {
        foreach (Exception recorded in failures)
        {
            if (ReferenceEquals(recorded, exception))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The caller's token was cancelled: cancel the group, inline like a linked source.</summary>
    private void OnCallerCancelled()
    {
        if (RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            RequestCancel(TaskGroupCancelCause.CallerToken, CallerReason);
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
                    RequestCancel(TaskGroupCancelCause.CallerToken, CallerReason);
                }
                finally
                {
                    Leave();
                }
            });
        }
    }

    private const string CallerReason = "the caller's token was cancelled";

    /// <summary>Cancels the token (once; later requests only count as no-ops) and records the first
    /// cause and reason.</summary>
    private void RequestCancel(TaskGroupCancelCause cause, string? reason)
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
                    Volatile.Write(ref _cancelReason, reason ?? cause.ToString());
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
                // A child's token registration threw: a failure of the group, never lost (invariant 5)
                // — unless it is an OperationCanceledException, which the group's token, cancelled
                // now, makes its own signal (a registration doing tcs.SetCanceled() on a completed
                // source, or rethrowing the token's cancellation).
                foreach (Exception exception in callbackFailures.InnerExceptions)
                {
                    if (exception is not OperationCanceledException)
                    {
                        RecordFailure(exception, NotAChild);
                    }
                }
            }

            // Raised once the token is cancelled (so a listener that saw it knows every child
            // spawned afterwards starts cancelled) and before this request lets the group complete.
            Emit(TaskGroupEventKind.CancelRequested, cause: cause);
            _telemetry?.OnCancelled(cause, Volatile.Read(ref _cancelReason));
        }
        finally
        {
            Leave();
        }
    }

    /// <summary>Decides the outcome by state and completes <see cref="RunAsync(Func{TaskGroup, Task}, CancellationToken)"/>'s task. Runs
    /// exactly once, when the last of the body and the children has left.</summary>
    private void Complete()
    {
        // Unregister, not Dispose: Dispose would block until a concurrently running caller callback
        // finished, which is an uncontrolled wait under Coyote. Released exactly once (invariant 9).
        _callerRegistration.Unregister();
        ReleaseTimers();

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
        // Failures win, then the caller's cancellation, then the deadline (never absorbing either).
        bool timedOut = failures is null && !callerCancelled && cause == TaskGroupCancelCause.Deadline;
        TaskStatus status = failures is not null || timedOut ? TaskStatus.Faulted
            : callerCancelled ? TaskStatus.Canceled
            : TaskStatus.RanToCompletion;

        // The last event a listener sees; nothing else runs in the group now, so a listener that
        // throws here adds its exception to the failures directly (never lost; the group then faults).
        Exception? listenerFailure = EmitCompleted(status, callerCancelled);
        if (listenerFailure is not null)
        {
            (failures ??= []).Add(listenerFailure);
            status = TaskStatus.Faulted;
        }

        _telemetry?.Complete(timedOut && listenerFailure is null ? "TimedOut" : status.ToString());
        switch (status)
        {
            case TaskStatus.Faulted when failures is null:
                _completion.SetException(new TimeoutException($"The task group's {Volatile.Read(ref _cancelReason)}."));
                break;
            case TaskStatus.Faulted:
                _completion.SetException(new TaskGroupException(failures));
                break;
            case TaskStatus.Canceled:
                // Never swallow the caller's cancellation (invariant 3), whatever else happened.
                _completion.SetCanceled(_callerToken);
                break;
            default:
                Volatile.Write(ref _cancellationCaught, cause == TaskGroupCancelCause.Cancel);
                _completion.SetResult();
                break;
        }
    }

    /// <summary>The exception a cancelled child ended with (rare path: only for a failure): the
    /// original <see cref="OperationCanceledException"/> when the task kept it, as async methods do.</summary>
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
        Debug.Assert(_failureSet is null || _failureSet.Count == _failures!.Count);
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

    /// <summary>Reports an event to the listener. A listener that throws never breaks the group:
    /// its exception becomes a failure of the group (recorded once, fail-fast like any failure), so
    /// it is neither lost nor rethrown into <see cref="Spawn"/>, a child or a thread-pool thread.</summary>
    private void Emit(
        TaskGroupEventKind kind,
        int childId = 0,
        TaskStatus status = default,
        TaskGroupCancelCause cause = TaskGroupCancelCause.None,
        Exception? exception = null,
        TaskGroupOptions? options = null)
    {
        if (_listener is null)
        {
            return;
        }

        Debug.Assert(kind != TaskGroupEventKind.GroupCompleted, "GroupCompleted goes through EmitCompleted.");
        Exception? listenerFailure = TryEmit(kind, childId, status, cause, exception, _callerToken.IsCancellationRequested, options);
        if (listenerFailure is not null && AddFailure(listenerFailure))
        {
            // Not RecordFailure: no ChildFailed event for the listener's own exception, so a listener
            // that throws on every event cannot recurse.
            if (_failFast)
            {
                RequestCancel(TaskGroupCancelCause.Failure, $"a diagnostics listener failed: {listenerFailure.GetType().Name}");
            }
        }
    }

    /// <summary>Reports <see cref="TaskGroupEventKind.CancelReturned"/> as <see cref="Cancel()"/> returns.
    /// Inside a participant window, so the group cannot complete meanwhile (a listener may then require
    /// the token to be cancelled, with no race against completion) and a listener's exception is
    /// recorded like any. After completion the call was a no-op, and nothing is reported: a late event
    /// could reach a listener before GroupCompleted does, and there would be no group left to fail.</summary>
    private void ReportCancelReturned()
    {
        if (!TryEnter())
        {
            return;
        }

        try
        {
            Emit(TaskGroupEventKind.CancelReturned);
        }
        finally
        {
            Leave();
        }
    }

    /// <summary>Reports <see cref="TaskGroupEventKind.GroupCompleted"/>; returns the listener's exception, if it threw.</summary>
    private Exception? EmitCompleted(TaskStatus status, bool callerCancelled) =>
        _listener is null ? null : TryEmit(TaskGroupEventKind.GroupCompleted, 0, status, TaskGroupCancelCause.None, null, callerCancelled);

    private Exception? TryEmit(
        TaskGroupEventKind kind, int childId, TaskStatus status, TaskGroupCancelCause cause, Exception? exception, bool callerCancelled,
        TaskGroupOptions? options = null)
    {
        try
        {
            long parentId = kind == TaskGroupEventKind.GroupOpened ? TaskGroupDiagnostics.CurrentGroup?.Id ?? 0 : 0;
            _listener!.OnEvent(new TaskGroupEvent(
                kind, Id, parentId, childId, status, cause, exception,
                tokenCancelled: _cts.IsCancellationRequested,
                callerTokenCancelled: callerCancelled,
                reason: Volatile.Read(ref _cancelReason),
                completion: _completion.Task,
                token: _cts.Token,
                callerToken: _callerToken)
            {
                Options = options,
            });
            return null;
        }
        catch (Exception listenerFailure)
        {
            return listenerFailure;
        }
    }
}
