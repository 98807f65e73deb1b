namespace TaskGroups;

// Beyond the seed: deadlines and CancelAfter on the group's TimeProvider, the concurrency limit,
// StartAsync (Trio's nursery.start) and shielded cleanup. The core lifecycle is in TaskGroup.cs.
public sealed partial class TaskGroup
{
    /// <summary>
    /// Cancels the group quietly once <paramref name="delay"/> has elapsed on the group's
    /// <see cref="TaskGroupOptions.TimeProvider"/> (Trio's <c>move_on_after</c>): like
    /// <see cref="Cancel()"/> at that moment, so the group then ends successfully with
    /// <see cref="CancellationCaught"/> true, unless something failed or the caller cancelled. A later
    /// call replaces the earlier delay (as <see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/>
    /// does). A no-op once the group has completed; its timer is released when the group completes.
    /// </summary>
    /// <param name="delay">From now; <see cref="TimeSpan.Zero"/> cancels at once,
    /// <see cref="Timeout.InfiniteTimeSpan"/> removes the pending delay.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative (other than infinite).</exception>
    public void CancelAfter(TimeSpan delay)
    {
        if (delay < TimeSpan.Zero && delay != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(delay), delay, "The delay must not be negative.");
        }

        if (delay == TimeSpan.Zero)
        {
            RequestCancel(TaskGroupCancelCause.Cancel, "CancelAfter(0) was called");
            return;
        }

        // Holding a participant slot: the group cannot complete (and release timers) meanwhile.
        if (!TryEnter())
        {
            return;
        }

        try
        {
            // Created outside the lock: a clock may fire a due timer from inside CreateTimer.
            ITimer? timer = delay == Timeout.InfiniteTimeSpan ? null : _timeProvider.CreateTimer(
                static state => ((CancelAfterState)state!).Fire(), new CancelAfterState(this, delay), delay, Timeout.InfiniteTimeSpan);
            ITimer? replaced;
            lock (_lock)
            {
                replaced = _cancelAfterTimer;
                _cancelAfterTimer = timer;
            }

            replaced?.Dispose();
        }
        finally
        {
            Leave();
        }
    }

    /// <summary>
    /// Starts a child and completes when the child calls <c>started(value)</c>, with that value,
    /// while the child keeps running in the group (Trio's <c>nursery.start</c>). Until then the
    /// child's outcome belongs to the returned task, not to the group: a failure before
    /// <c>started</c> comes out of <see cref="StartAsync{T}"/>; a child that finishes without
    /// calling it makes <see cref="StartAsync{T}"/> throw <see cref="InvalidOperationException"/>.
    /// After <c>started</c>, a failure fails the group; calling <c>started</c> again throws
    /// <see cref="InvalidOperationException"/> in the child. In a cancelled group the child still
    /// runs, with the cancelled token, and its <c>started</c> value still completes the task.
    /// The child starts at once even in a group with <see cref="TaskGroupOptions.MaxConcurrency"/>
    /// (a body awaiting a queued handshake could wait forever), and does not count toward the limit.
    /// </summary>
    /// <typeparam name="T">The value the child reports once it has started.</typeparam>
    /// <param name="work">The child: it receives <c>started</c> and the group's token.</param>
    /// <returns>The value passed to <c>started</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="work"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The group has completed.</exception>
    public Task<T> StartAsync<T>(Func<Action<T>, CancellationToken, Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        int childId = Enter();
        var handshake = new StartHandshake<T>();
        Task task = Invoke(
            static state => state.Work(state.Handshake.Report, state.Token),
            (Work: work, Handshake: handshake, Token: _cts.Token),
            childId);
        if (task.IsCompleted)
        {
            FinishStarted(task, childId, handshake);
        }
        else
        {
            task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(() => FinishStarted(task, childId, handshake));
        }

        return handshake.Task;
    }

    /// <summary>
    /// Runs <paramref name="cleanup"/> shielded from cancellation (Trio's shielded cancel scope with
    /// a deadline; Kotlin's <c>withContext(NonCancellable)</c>): the token it receives is cancelled
    /// neither by the group nor by the caller, only when <paramref name="gracePeriod"/> has elapsed
    /// on the group's <see cref="TaskGroupOptions.TimeProvider"/>. The group waits for it like for a
    /// child, and its failure is a failure of the group. Use it for cleanup that must not be cut short:
    /// <c>finally { await group.ShieldAsync(ct => FlushAsync(ct), TimeSpan.FromSeconds(5)); }</c>
    /// — an await with the group's cancelled token there would end at once.
    /// </summary>
    /// <param name="cleanup">The cleanup; it receives the shielded token.</param>
    /// <param name="gracePeriod">How long it may run; <see cref="Timeout.InfiniteTimeSpan"/> for no bound.</param>
    /// <returns>The cleanup's own task.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="cleanup"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gracePeriod"/> is negative (other than infinite).</exception>
    /// <exception cref="InvalidOperationException">The group has completed.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000:Dispose objects before losing scope",
        Justification = "The shield's source is never disposed: its grace timer may still fire after the cleanup ends, and a source without a timer of its own needs no disposal.")]
    public Task ShieldAsync(Func<CancellationToken, Task> cleanup, TimeSpan gracePeriod)
    {
        ArgumentNullException.ThrowIfNull(cleanup);
        if (gracePeriod < TimeSpan.Zero && gracePeriod != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(gracePeriod), gracePeriod, "The grace period must not be negative.");
        }

        int childId = Enter();
        var shield = new CancellationTokenSource();
        ITimer? grace = gracePeriod == Timeout.InfiniteTimeSpan ? null : _timeProvider.CreateTimer(
            static state => ((CancellationTokenSource)state!).Cancel(), shield, gracePeriod, Timeout.InfiniteTimeSpan);
        Task task = Invoke(cleanup, shield.Token, childId);
        if (task.IsCompleted)
        {
            FinishShielded(task, childId, grace);
        }
        else
        {
            task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(() => FinishShielded(task, childId, grace));
        }

        return task;
    }

    // ---------------------------------------------------------------------------------------------
    // Machinery.
    // ---------------------------------------------------------------------------------------------

    /// <summary>Arms the deadline of <see cref="TaskGroupOptions.Timeout"/>; called before the body runs.</summary>
    private void StartDeadline(TimeSpan timeout) =>
        _deadlineTimer = _timeProvider.CreateTimer(
            static state => ((DeadlineState)state!).Fire(), new DeadlineState(this, timeout), timeout, Timeout.InfiniteTimeSpan);

    /// <summary>Releases the deadline and CancelAfter timers; called once, by <see cref="Complete"/>.</summary>
    private void ReleaseTimers()
    {
        _deadlineTimer?.Dispose();
        ITimer? cancelAfter;
        lock (_lock)
        {
            cancelAfter = _cancelAfterTimer;
            _cancelAfterTimer = null;
        }

        cancelAfter?.Dispose();
    }

    /// <summary>Formats a duration for a cancel reason: "30 s", "1.5 s", "250 ms".</summary>
    private static string Describe(TimeSpan duration) =>
        duration >= TimeSpan.FromSeconds(1)
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.###} s")
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{duration.TotalMilliseconds:0.###} ms");

    /// <summary>A StartAsync child finished: its outcome goes to the group only after <c>started</c>.</summary>
    private void FinishStarted<T>(Task task, int childId, StartHandshake<T> handshake)
    {
        if (handshake.OnChildFinished(task))
        {
            OnChildCompleted(task, childId);
        }
        else
        {
            Emit(TaskGroupEventKind.ChildCompleted, childId, task.Status);
        }

        Leave();
    }

    /// <summary>A shielded cleanup finished: release its grace timer, account for it like a child.</summary>
    private void FinishShielded(Task task, int childId, ITimer? grace)
    {
        grace?.Dispose();
        OnChildCompleted(task, childId);
        Leave();
    }

    /// <summary>Spawns into a group with a limit: runs now if a slot is free, else queues.</summary>
    private Task SpawnLimited(Func<CancellationToken, Task> work, int childId)
    {
        QueuedChild? queued = _limiter!.StartOrEnqueue(
            static state => new QueuedWork(state.Work, state.ChildId), (Work: work, ChildId: childId));
        if (queued is not null)
        {
            return queued.Proxy;
        }

        Task task = InvokeChild(work, childId);
        TrackLimited(task, childId, queued: null);
        return task;
    }

    /// <inheritdoc cref="SpawnLimited(Func{CancellationToken, Task}, int)"/>
    private Task<T> SpawnLimited<T>(Func<CancellationToken, Task<T>> work, int childId)
    {
        QueuedChild? queued = _limiter!.StartOrEnqueue(
            static state => new QueuedWorkOf<T>(state.Work, state.ChildId), (Work: work, ChildId: childId));
        if (queued is not null)
        {
            return ((QueuedWorkOf<T>)queued).TypedProxy;
        }

        Task<T> task = InvokeChild(work, childId);
        TrackLimited(task, childId, queued: null);
        return task;
    }

    /// <summary>Invokes a child's delegate with the group's token as it is now.</summary>
    internal Task InvokeChild(Func<CancellationToken, Task> work, int childId) => Invoke(work, _cts.Token, childId);

    /// <inheritdoc cref="InvokeChild(Func{CancellationToken, Task}, int)"/>
    internal Task<T> InvokeChild<T>(Func<CancellationToken, Task<T>> work, int childId) => Invoke(work, childId);

    /// <summary>Waits for a child of a limited group; its slot passes on when it finishes.</summary>
    private void TrackLimited(Task task, int childId, QueuedChild? queued)
    {
        if (task.IsCompleted)
        {
            FinishLimited(task, childId, queued);
        }
        else
        {
            task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(() => FinishLimited(task, childId, queued));
        }
    }

    /// <summary>A child of a limited group finished: account for it, give its proxy the outcome,
    /// start whoever waits for the slot, and only then let the child's participant slot go.</summary>
    private void FinishLimited(Task task, int childId, QueuedChild? queued)
    {
        OnChildCompleted(task, childId);
        queued?.CompleteProxy(task);
        StartQueued();
        Leave();
    }

    /// <summary>Hands the slot of a finished child to queued children, in order. A loop, not
    /// recursion: a queue of children that complete synchronously must not grow the stack. Only one
    /// thread drains at a time (see <see cref="ConcurrencyLimiter"/>), so children start in spawn order.</summary>
    private void StartQueued()
    {
        QueuedChild? next = _limiter!.Release();
        while (next is not null)
        {
            QueuedChild started = next;
            Task task = started.Start(this);
            if (!task.IsCompleted)
            {
                task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(() => FinishLimited(task, started.ChildId, started));
                next = _limiter.Next(finished: false);
                continue;
            }

            OnChildCompleted(task, started.ChildId);
            started.CompleteProxy(task);
            next = _limiter.Next(finished: true);
            Leave();
        }
    }

    /// <summary>The deadline timer's state: fires the group's deadline with its reason.</summary>
    private sealed class DeadlineState(TaskGroup group, TimeSpan timeout)
    {
        public void Fire() => group.RequestCancel(TaskGroupCancelCause.Deadline, $"deadline of {Describe(timeout)} elapsed");
    }

    /// <summary>A CancelAfter timer's state: a quiet self-cancel with its reason.</summary>
    private sealed class CancelAfterState(TaskGroup group, TimeSpan delay)
    {
        public void Fire() => group.RequestCancel(TaskGroupCancelCause.Cancel, $"CancelAfter of {Describe(delay)} elapsed");
    }
}
