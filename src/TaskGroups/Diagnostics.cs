namespace TaskGroups;

/// <summary>What happened in a <see cref="TaskGroup"/>'s lifecycle.</summary>
public enum TaskGroupEventKind
{
    /// <summary><see cref="TaskGroup.RunAsync(Func{TaskGroup, Task}, CancellationToken)"/> created the group (before the body runs).</summary>
    GroupOpened = 0,

    /// <summary><see cref="TaskGroup.Spawn"/> counted a child in.</summary>
    ChildSpawned = 1,

    /// <summary>A child's (or the body's, id 0) delegate is about to be invoked;
    /// <see cref="TaskGroupEvent.TokenCancelled"/> tells whether it starts cancelled.</summary>
    ChildStarted = 2,

    /// <summary>A failure was recorded (<see cref="TaskGroupEvent.Exception"/>).</summary>
    ChildFailed = 3,

    /// <summary>A child (or the body, id 0) finished with <see cref="TaskGroupEvent.Status"/>.</summary>
    ChildCompleted = 4,

    /// <summary>The group's token has just been cancelled, for <see cref="TaskGroupEvent.Cause"/>; every
    /// child spawned after this event starts cancelled.</summary>
    CancelRequested = 5,

    /// <summary>The group decided its outcome (<see cref="TaskGroupEvent.Status"/>); emitted just
    /// before the task returned by <see cref="TaskGroup.RunAsync(Func{TaskGroup, Task}, CancellationToken)"/> completes.
    /// The last event a listener sees of the group, except <see cref="SpawnRejected"/>, which reports a
    /// call made after completion.</summary>
    GroupCompleted = 6,

    /// <summary><see cref="TaskGroup.Cancel()"/> is returning to its caller (raised on the caller's
    /// thread, after the group's token was cancelled, while the group cannot complete), so that a
    /// listener can check invariant 7 at that very moment by reading <see cref="TaskGroupEvent.Token"/>
    /// itself. Not raised for a call after the group completed (a no-op).</summary>
    CancelReturned = 7,

    /// <summary><see cref="TaskGroup.Spawn"/> (or <see cref="TaskGroup.ShieldAsync"/>, <see cref="TaskGroup.StartAsync{T}"/>)
    /// was called on a completed group and is about to throw <see cref="InvalidOperationException"/>;
    /// the child is not run (invariant 8). A listener's exception from this event is dropped.</summary>
    SpawnRejected = 8,
}

/// <summary>One lifecycle event of a <see cref="TaskGroup"/>, as seen by an <see cref="ITaskGroupListener"/>.</summary>
public readonly struct TaskGroupEvent
{
    /// <summary>Creates an event.</summary>
    /// <inheritdoc cref="TaskGroupEvent(TaskGroupEventKind, long, long, int, TaskStatus, TaskGroupCancelCause, Exception?, bool, bool, string?, Task?, CancellationToken, CancellationToken)" path="/param"/>
    public TaskGroupEvent(
        TaskGroupEventKind kind,
        long groupId,
        long parentGroupId,
        int childId,
        TaskStatus status,
        TaskGroupCancelCause cause,
        Exception? exception,
        bool tokenCancelled,
        bool callerTokenCancelled)
        : this(kind, groupId, parentGroupId, childId, status, cause, exception, tokenCancelled, callerTokenCancelled, reason: null)
    {
    }

    /// <summary>Creates an event that carries the group's tokens and task, so that a listener can observe
    /// their state itself instead of trusting the flags (what the library raises).</summary>
    /// <param name="kind">What happened.</param>
    /// <param name="groupId">The group's <see cref="TaskGroup.Id"/>.</param>
    /// <param name="parentGroupId">For <see cref="TaskGroupEventKind.GroupOpened"/>: the enclosing group, else 0.</param>
    /// <param name="childId">The child (1, 2, …) or the body (0).</param>
    /// <param name="status">For completions: how the child or group ended.</param>
    /// <param name="cause">For <see cref="TaskGroupEventKind.CancelRequested"/>: why.</param>
    /// <param name="exception">For <see cref="TaskGroupEventKind.ChildFailed"/>: the failure.</param>
    /// <param name="tokenCancelled">Whether the group's token was cancelled when the event was raised.</param>
    /// <param name="callerTokenCancelled">Whether the caller's token was cancelled when the event was raised.</param>
    /// <param name="reason">The group's <see cref="TaskGroup.CancellationReason"/> when the event was raised.</param>
    /// <param name="completion">The task <c>RunAsync</c> returned (for a group with a result, the task its result waits for).</param>
    /// <param name="token">The group's <see cref="TaskGroup.Token"/>.</param>
    /// <param name="callerToken">The caller's token given to <c>RunAsync</c>.</param>
    public TaskGroupEvent(
        TaskGroupEventKind kind,
        long groupId,
        long parentGroupId,
        int childId,
        TaskStatus status,
        TaskGroupCancelCause cause,
        Exception? exception,
        bool tokenCancelled,
        bool callerTokenCancelled,
        string? reason,
        Task? completion,
        CancellationToken token,
        CancellationToken callerToken)
        : this(kind, groupId, parentGroupId, childId, status, cause, exception, tokenCancelled, callerTokenCancelled, reason)
    {
        Token = token;
        CallerToken = callerToken;
        Completion = completion;
    }

    /// <summary>Creates an event that carries the group's cancel reason.</summary>
    /// <inheritdoc cref="TaskGroupEvent(TaskGroupEventKind, long, long, int, TaskStatus, TaskGroupCancelCause, Exception?, bool, bool, string?, Task?, CancellationToken, CancellationToken)" path="/param"/>
    public TaskGroupEvent(
        TaskGroupEventKind kind,
        long groupId,
        long parentGroupId,
        int childId,
        TaskStatus status,
        TaskGroupCancelCause cause,
        Exception? exception,
        bool tokenCancelled,
        bool callerTokenCancelled,
        string? reason)
    {
        Reason = reason;
        Kind = kind;
        GroupId = groupId;
        ParentGroupId = parentGroupId;
        ChildId = childId;
        Status = status;
        Cause = cause;
        Exception = exception;
        TokenCancelled = tokenCancelled;
        CallerTokenCancelled = callerTokenCancelled;
    }

    /// <summary>What happened.</summary>
    public TaskGroupEventKind Kind { get; }

    /// <summary>The group's <see cref="TaskGroup.Id"/>.</summary>
    public long GroupId { get; }

    /// <summary>For <see cref="TaskGroupEventKind.GroupOpened"/>: the enclosing group, or 0.</summary>
    public long ParentGroupId { get; }

    /// <summary>The child (1, 2, …) or the body (0).</summary>
    public int ChildId { get; }

    /// <summary>For <see cref="TaskGroupEventKind.ChildCompleted"/> and <see cref="TaskGroupEventKind.GroupCompleted"/>.</summary>
    public TaskStatus Status { get; }

    /// <summary>For <see cref="TaskGroupEventKind.CancelRequested"/>.</summary>
    public TaskGroupCancelCause Cause { get; }

    /// <summary>For <see cref="TaskGroupEventKind.ChildFailed"/>.</summary>
    public Exception? Exception { get; }

    /// <summary>Whether the group's token was cancelled when the event was raised.</summary>
    public bool TokenCancelled { get; }

    /// <summary>Whether the caller's token was cancelled when the event was raised.</summary>
    public bool CallerTokenCancelled { get; }

    /// <summary>The group's <see cref="TaskGroup.CancellationReason"/> when the event was raised (null
    /// while its token is not cancelled).</summary>
    public string? Reason { get; }

    /// <summary>The group's <see cref="TaskGroup.Token"/> (the one its children receive); <c>default</c>
    /// when the reporter did not give it.</summary>
    public CancellationToken Token { get; }

    /// <summary>The caller's token given to <c>RunAsync</c>: a checker registers on it itself rather than
    /// trust <see cref="CallerTokenCancelled"/>; <c>default</c> when the caller gave none.</summary>
    public CancellationToken CallerToken { get; }

    /// <summary>The group's run task (what <c>RunAsync</c> returned), for a listener to sample whether the
    /// group has completed; null when the reporter did not give it.</summary>
    public Task? Completion { get; }

    /// <summary>For <see cref="TaskGroupEventKind.GroupOpened"/>: the options the group runs with (its
    /// deadline, concurrency limit, supervisor mode), so that a listener checks a group against its own
    /// configuration; null on every other event and when the reporter did not give them.</summary>
    public TaskGroupOptions? Options { get; init; }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Kind} group={GroupId} parent={ParentGroupId} child={ChildId} status={Status} cause={Cause} token={TokenCancelled} caller={CallerTokenCancelled}"
        + (Exception is null ? string.Empty : $" exception={Exception.GetType().Name}")
        + (Reason is null ? string.Empty : $" reason={Reason}");
}

/// <summary>Receives <see cref="TaskGroup"/> lifecycle events; see <see cref="TaskGroupDiagnostics.Listen"/>.</summary>
/// <remarks>Called synchronously, on whatever thread the event happens, possibly concurrently:
/// implementations must be thread-safe, fast, and must not throw or block.</remarks>
public interface ITaskGroupListener
{
    /// <summary>Called for every lifecycle event of every group opened while the listener was attached.</summary>
    /// <param name="e">The event.</param>
    void OnEvent(in TaskGroupEvent e);
}

/// <summary>
/// Attaches an <see cref="ITaskGroupListener"/> to every group opened in the current asynchronous
/// flow (an <see cref="AsyncLocal{T}"/> scope), so that concurrent tests do not see each other's
/// groups. When no listener is attached anywhere, a group pays one static read for diagnostics.
/// </summary>
/// <remarks>
/// A flow forked inside a scope (<c>Task.Run</c>, an un-awaited task) inherits it, and its groups report
/// to the listener until the scope is disposed; after that they report to the scope that was current
/// when it was opened, if that one is still open, and so on outwards. Whether a forked flow still
/// listens therefore depends only on its own scopes, never on scopes of unrelated flows.
/// </remarks>
public static class TaskGroupDiagnostics
{
    /// <summary>How many scopes are open anywhere; 0 keeps the AsyncLocal read off the hot path.</summary>
    private static int s_openScopes;

    private static readonly AsyncLocal<ListenerScope?> s_scope = new();

    /// <summary>The group whose body or child is running on this flow; tracked only while listening.</summary>
    private static readonly AsyncLocal<TaskGroup?> s_currentGroup = new();

    /// <summary>
    /// Attaches <paramref name="listener"/> to groups opened in this asynchronous flow until the
    /// returned scope is disposed (which restores the previous listener).
    /// </summary>
    /// <param name="listener">The listener.</param>
    /// <returns>The scope; dispose it on the same flow.</returns>
    public static IDisposable Listen(ITaskGroupListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        var scope = new ListenerScope(listener, s_scope.Value);
        s_scope.Value = scope;
        Interlocked.Increment(ref s_openScopes);
        return scope;
    }

    internal static ITaskGroupListener? CurrentListener
    {
        get
        {
            if (Volatile.Read(ref s_openScopes) == 0)
            {
                return null;
            }

            // A flow forked inside a scope still holds it after it was disposed elsewhere: skip the
            // closed ones (usually none), so that the answer does not depend on other flows' scopes.
            ListenerScope? scope = s_scope.Value;
            while (scope is { IsDisposed: true })
            {
                scope = scope.Previous;
            }

            return scope?.Listener;
        }
    }

    internal static TaskGroup? CurrentGroup => s_currentGroup.Value;

    internal static TaskGroup? EnterGroup(TaskGroup group)
    {
        TaskGroup? previous = s_currentGroup.Value;
        s_currentGroup.Value = group;
        return previous;
    }

    internal static void ExitGroup(TaskGroup? previous) => s_currentGroup.Value = previous;

    private sealed class ListenerScope(ITaskGroupListener listener, ListenerScope? previous) : IDisposable
    {
        private int _disposed;

        public ITaskGroupListener Listener { get; } = listener;

        public ListenerScope? Previous { get; } = previous;

        public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                // Restores the previous scope on the disposing flow; forked flows skip this one by its flag.
                if (ReferenceEquals(s_scope.Value, this))
                {
                    s_scope.Value = Previous;
                }

                Interlocked.Decrement(ref s_openScopes);
            }
        }
    }
}
