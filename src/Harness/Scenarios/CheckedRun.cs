using TaskGroups.Harness.Targets;
using TaskGroups.Verification;

namespace TaskGroups.Harness.Scenarios;

/// <summary>
/// Runs one group of any <see cref="IGroupTarget"/> with a checking wrapper around every call:
/// the body and each child are wrapped to record when they start and end, with which token state
/// and which failure; <see cref="IGroupScope.Cancel"/> and <see cref="IGroupScope.Spawn"/> are
/// checked when they return; and the run's outcome is checked against the spec's outcome table.
/// What it observes goes to the <see cref="InvariantChecker"/>, which reports violations.
/// </summary>
public sealed class CheckedRun : IClockWatcher
{
    private readonly IGroupTarget _target;
    private readonly InvariantChecker _checker;
    private readonly CancellationToken _callerToken;
    private readonly List<Exception> _failures = [];
    private readonly List<Task> _children = [];
    private readonly List<CancellationToken> _liveTokens = [];
    private readonly SpinGate _gate = new();
    private readonly string _parentTask;
    private int _running;
    private int _nextChild;
    private bool _cancelReturned;
    private bool _bodyStarted;

    /// <summary>The target's run task, once RunAsync returned it.</summary>
    private volatile Task? _task;

    private volatile bool _callerCancelledWhileRunning;

    /// <summary>Whether the caller's token was cancelled while body or child code of this run was
    /// still running (or before the body started): then the group cannot have decided its outcome yet,
    /// so it must end Canceled or Faulted. Observed by the wrapper itself, never taken from the group's
    /// own events (an oracle must not trust the subject).</summary>
    private volatile bool _callerCancelledWhileCodeRan;

    /// <summary>Cancellations that ended a task while the group's token was not cancelled: failures
    /// under the second own-signal rule, unless the group's own cancellation raced them (accepted race).</summary>
    private readonly List<Exception> _uncancelledOces = [];

    /// <summary>Whether anything other than those cancellations asked the group to cancel: a Cancel()
    /// call, the caller's token, or another failure. Only then may the race absorb them.</summary>
    private bool _otherCancelCause;

    private IGroupScope? _scope;

    // ---- Beyond the seed: what the wrapper observes about the options it ran the group with. ----

    /// <summary>The options of a feature run (<see cref="IFeatureTarget"/>); null for a seed run.</summary>
    private TaskGroupOptions? _options;

    /// <summary>The schedule's virtual clock, if the run's TimeProvider is it.</summary>
    private VirtualClock? _clock;

    /// <summary>The clock's time just before RunAsync was called, and when the body started: the
    /// deadline was armed in between, so it is due between these plus the timeout.</summary>
    private TimeSpan _startLower;
    private TimeSpan? _startUpper;

    private bool _deadlineLowerReached;
    private bool _deadlineUpperReached;
    private bool _deadlineMay;
    private bool _deadlineMustCandidate;
    private bool _deadlineMust;
    private bool _sampling;
    private int _cancelCallsAtSample;

    /// <summary>Cancel() and Cancel(reason) calls so far: one during the deadline's advance raced it.</summary>
    private int _cancelCalls;

    /// <summary>Cancel() calls that have started and not returned: one may have set its cause already.</summary>
    private int _cancelsInFlight;

    /// <summary>The earliest virtual time a CancelAfter of this run can fire; null if none was called.</summary>
    private TimeSpan? _earliestCancelAfter;

    /// <summary>Spawned children (not StartAsync, not shields) whose code runs: bounded by MaxConcurrency.</summary>
    private int _runningSpawned;

    /// <summary>
    /// Spawn order for a limited group, as far as it is defined: two Spawn calls that overlap have no
    /// order (either may reach the queue first), so a child must start before another only when its
    /// Spawn returned before the other's began. For each spawn index: the spawned children whose Spawn
    /// had returned, and whose code had not started, when this one's Spawn was called.
    /// </summary>
    private readonly Dictionary<int, int[]> _queuedBefore = [];

    /// <summary>Spawned children whose Spawn call has returned.</summary>
    private readonly HashSet<int> _spawnReturned = [];

    /// <summary>Spawned children whose code has started.</summary>
    private readonly HashSet<int> _spawnStarted = [];

    /// <summary>Failures of StartAsync children before started(): StartAsync's, never the group's.</summary>
    private readonly List<Exception> _notGroupFailures = [];

    private CancellationTokenRegistration _callerRegistration;
    private CancellationTokenRegistration _tokenRegistration;

    private CheckedRun(IGroupTarget target, InvariantChecker checker, CancellationToken callerToken)
    {
        _target = target;
        _checker = checker;
        _callerToken = callerToken;
        _parentTask = Timeline.CurrentTask;
    }

    /// <summary>The group's id, known once the body started.</summary>
    public long GroupId { get; private set; }

    /// <summary>
    /// Runs <paramref name="body"/> in a new group of <paramref name="target"/>, checked by
    /// <paramref name="checker"/>. Returns the run's task once it has completed; never throws the
    /// group's outcome (inspect the returned task).
    /// </summary>
    public static async Task<Task> RunAsync(
        IGroupTarget target,
        InvariantChecker checker,
        Func<IGroupScope, Task> body,
        CancellationToken callerToken = default)
    {
        var run = new CheckedRun(target, checker, callerToken);
        return await run.RunAsync(() => target.RunAsync(scope => run.RunBody(scope, body), checker, callerToken));
    }

    /// <summary>
    /// Runs <paramref name="body"/> in a new group of the feature target <paramref name="target"/>,
    /// configured by <paramref name="options"/>, checked by <paramref name="checker"/>; with the
    /// schedule's <paramref name="clock"/> (which should be the options' TimeProvider) the run samples
    /// its deadline's facts around every advance. Returns the completed run task; never throws its outcome.
    /// </summary>
    public static async Task<Task> RunAsync(
        IFeatureTarget target,
        InvariantChecker checker,
        TaskGroupOptions options,
        Func<IFeatureScope, Task> body,
        CancellationToken callerToken = default,
        VirtualClock? clock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var run = new CheckedRun(target, checker, callerToken) { _options = options, _clock = clock };
        if (clock is not null && options.Timeout is not null)
        {
            run._startLower = clock.Elapsed;
            clock.Watch(run);
        }

        return await run.RunAsync(() => target.RunAsync(
            scope => run.RunBody(scope, s => body((IFeatureScope)s)), options, checker, callerToken));
    }

    private async Task<Task> RunAsync(Func<Task> start)
    {
        CheckedRun run = this;
        Task task;
        try
        {
            task = start();
            run._task = task;
        }
        catch (Exception e)
        {
            task = Task.FromException(e);
        }

        try
        {
            await task;
        }
        catch (Exception)
        {
            // The outcome is checked from the task's state below.
        }

        run.OnCompleted(task);
        return task;
    }

    private Task RunBody(IGroupScope scope, Func<IGroupScope, Task> body)
    {
        GroupId = scope.Id;
        _scope = scope;
        if (_options is not null)
        {
            _checker.GroupOptions(GroupId, supervised: !_options.FailFast, hasDeadline: _options.Timeout is not null);
            if (_clock is not null)
            {
                _startUpper = _clock.Elapsed;
            }
        }

        // Whether the caller's token was cancelled while the run was still incomplete: sampled at the
        // moment of cancellation (callbacks run inline in Cancel()), not after the fact, so a caller
        // that cancels just after the group completed is not mistaken for a swallowed cancellation.
        // Registered here, after the target's own registration, so that it runs before it (LIFO).
        _callerRegistration = _callerToken.UnsafeRegister(
            static state =>
            {
                var r = (CheckedRun)state!;
                r._callerCancelledWhileRunning = !r.IsRunCompleted;
                using (r._gate.Enter())
                {
                    r._callerCancelledWhileCodeRan = !r._bodyStarted || r._running > 0;
                    r._otherCancelCause = true;
                }

                r._checker.CallerTokenCancelled(r.GroupId);
            },
            this);
        _bodyStarted = true;

        // The moment the group's token really becomes cancelled, for the timeline. Registered on every
        // schedule, not only on replay, so that exploring and replaying run the same code.
        _tokenRegistration = scope.Token.UnsafeRegister(
            static state =>
            {
                var r = (CheckedRun)state!;
                r._checker.TokenCancelled(r.GroupId);
            },
            this);
        Scope checkedScope = scope is IFeatureScope features ? new FeatureScope(this, features) : new Scope(this, scope);
        string name = $"{_checker.NameOf(GroupId)}/body";
        return Wrap(name, scope.Token, cancelledBefore: false, CodeKind.Body, _ => body(checkedScope));
    }

    /// <summary>Runs a body or child's code with its start and end recorded. The synchronous part
    /// stays synchronous, so a delegate that throws before its first await still does.</summary>
    private Task Wrap(string name, CancellationToken token, bool cancelledBefore, CodeKind kind, Func<CancellationToken, Task> work,
        int spawnIndex = 0, Func<bool>? started = null)
    {
        // A child is named after the group's own id for it, which every library event about it carries.
        bool isChild = kind is CodeKind.Child or CodeKind.Started;
        if (kind != CodeKind.Body)
        {
            name = _checker.ChildName(GroupId, name);
        }

        // Naming the task (an AsyncLocal write) is only needed for a readable timeline (replay).
        bool named = _checker.Timeline is not null;
        string? previousName = named ? Timeline.SetCurrentTask(name) : null;
        long previousGroup = ScopeTracker.Enter(GroupId);
        try
        {
            int? limit = kind == CodeKind.Child ? _options?.MaxConcurrency : null;
            string? limitBroken = null;
            using (_gate.Enter())
            {
                _running++;
                if (isChild)
                {
                    _liveTokens.Add(token);
                }

                if (limit is { } n)
                {
                    // A queued child starts when a slot frees, perhaps after Cancel(): the group's token
                    // is cancelled now, so the child's must be too (invariant 2, for queued children).
                    cancelledBefore |= _cancelReturned || ScopeTokenCancelled();
                    _runningSpawned++;
                    if (_runningSpawned > n)
                    {
                        limitBroken = $"ran {_runningSpawned} spawned children at once with MaxConcurrency {n}";
                    }
                    else if (_queuedBefore.TryGetValue(spawnIndex, out int[]? before) && before.FirstOrDefault(b => !_spawnStarted.Contains(b)) is int skipped and > 0)
                    {
                        limitBroken = $"started its spawned child {spawnIndex} before child {skipped}, whose Spawn had returned before child {spawnIndex} was spawned";
                    }

                    _spawnStarted.Add(spawnIndex);
                }
            }

            if (limitBroken is not null)
            {
                _checker.FeatureViolated(GroupId, FeatureRule.Limit, limitBroken);
            }

            _checker.ChildCodeStarted(GroupId, name, token.IsCancellationRequested, cancelledBefore);
            Task task;
            try
            {
                task = work(token);
            }
            catch (Exception e)
            {
                Ended(name, token, kind, e, started);
                throw;
            }

            return WaitAndRecord(name, token, kind, task, started);
        }
        finally
        {
            ScopeTracker.Exit(previousGroup);
            if (named)
            {
                Timeline.SetCurrentTask(previousName);
            }
        }
    }

    /// <summary>Records the end of <paramref name="task"/>, then completes exactly as it did: the same
    /// status and exceptions (a task Faulted with an OperationCanceledException stays Faulted; an async
    /// method rethrowing it would turn it Canceled, and the target would never see that outcome).</summary>
    private Task WaitAndRecord(string name, CancellationToken token, CodeKind kind, Task task, Func<bool>? started) =>
        WaitAndRecordCore(name, token, kind, task, started).Unwrap();

    private async Task<Task> WaitAndRecordCore(string name, CancellationToken token, CodeKind kind, Task task, Func<bool>? started)
    {
        try
        {
            await task;
        }
        catch (Exception e)
        {
            Ended(name, token, kind, e, started);
            return task;
        }

        Ended(name, token, kind, exception: null, started);
        return task;
    }

    private void Ended(string name, CancellationToken token, CodeKind kind, Exception? exception, Func<bool>? started)
    {
        // The own-signal rule, second revision: a cancellation, whatever its token (a linked source,
        // TrySetCanceled() without one), that ends a task while the group's token is cancelled is the
        // group's signal; while it is not cancelled, every cancellation is a failure. A shielded
        // cleanup's token is its own: only the group's token decides.
        bool isChild = kind is CodeKind.Child or CodeKind.Started;
        bool cancellation = exception is OperationCanceledException;
        bool signal = cancellation && ((kind != CodeKind.Shield && token.IsCancellationRequested) || ScopeTokenCancelled());
        Exception? failure = exception is not null && !signal ? exception : null;

        // Before started(), a StartAsync child's outcome is StartAsync's, not the group's.
        bool startAsyncOwns = kind == CodeKind.Started && started is not null && !started();
        using (_gate.Enter())
        {
            _running--;
            if (isChild)
            {
                _liveTokens.Remove(token);
            }

            if (kind == CodeKind.Child && _options?.MaxConcurrency is not null)
            {
                _runningSpawned--;
            }

            if (startAsyncOwns)
            {
                if (exception is not null && !cancellation)
                {
                    _notGroupFailures.Add(exception);
                }

                failure = null;
            }
            else if (failure is not null && cancellation)
            {
                _uncancelledOces.Add(failure);
            }
            else if (failure is not null)
            {
                _failures.Add(failure);
                _otherCancelCause = true;
            }
        }

        _checker.ChildCodeEnded(GroupId, name, failure, signal);
    }

    /// <summary>
    /// Tells the run behind <paramref name="scope"/> (the checked scope a body received) that
    /// <paramref name="failure"/> was thrown inside the group where the wrapper cannot see it — by a
    /// token registration while the group cancels — so the group must report it (invariant 5).
    /// </summary>
    public static void ExpectFailure(IGroupScope scope, Exception failure)
    {
        if (scope is Scope checkedScope)
        {
            using (checkedScope.Run._gate.Enter())
            {
                checkedScope.Run._failures.Add(failure);
                checkedScope.Run._otherCancelCause = true;
            }
        }
    }

    private bool IsRunCompleted => _task?.IsCompleted == true;

    /// <summary>Whether the group's token is cancelled; false if the target already disposed its
    /// source (the hand-rolled pattern does, on completion).</summary>
    private bool ScopeTokenCancelled()
    {
        try
        {
            return _scope?.Token.IsCancellationRequested ?? false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    private void OnCompleted(Task task)
    {
        _callerRegistration.Dispose();
        _tokenRegistration.Dispose();
        Exception[] failures;
        Exception[] mayFailures = [];
        Exception[] notGroup;
        int unfinished;
        using (_gate.Enter())
        {
            // A cancellation that ended a task while the token was uncancelled is a failure the group
            // must report — unless another cause cancelled the group meanwhile, when the group may have
            // observed it as its own signal (the spec's accepted race): then either outcome is allowed.
            failures = _otherCancelCause ? [.. _failures] : [.. _failures, .. _uncancelledOces];
            if (_otherCancelCause)
            {
                mayFailures = [.. _uncancelledOces];
            }

            unfinished = _running + _children.Count(c => !c.IsCompleted);
            notGroup = [.. _notGroupFailures];
        }

        string? previous = _checker.Timeline is null ? null : Timeline.SetCurrentTask(_parentTask);
        _checker.RunCompleted(GroupId, task, failures, _callerToken, _callerCancelledWhileRunning, unfinished,
            new RunFacts(mayFailures, _callerCancelledWhileCodeRan, _scope?.CancellationCaught, ScopeTokenCancelled())
            {
                DeadlineMayHaveElapsed = _deadlineMay,
                DeadlineMustTimeOut = _deadlineMust,
                NotGroupFailures = notGroup,
            });
        if (_checker.Timeline is not null)
        {
            Timeline.SetCurrentTask(previous);
        }
    }

    /// <inheritdoc/>
    void IClockWatcher.BeforeAdvance(TimeSpan to)
    {
        if (_options?.Timeout is not { } timeout)
        {
            return;
        }

        using (_gate.Enter())
        {
            bool completed = IsRunCompleted;
            if (!_deadlineLowerReached && to >= _startLower + timeout)
            {
                _deadlineLowerReached = true;
                _deadlineMay = !completed;
            }

            if (!_deadlineUpperReached && _startUpper is { } upper && to >= upper + timeout)
            {
                // The deadline is certainly due in this advance. It is the first cause if nothing
                // cancelled the token yet, no CancelAfter can fire before it, and no Cancel() races it.
                _deadlineUpperReached = true;
                _deadlineMustCandidate = !completed && _running > 0 && !ScopeTokenCancelled() && _cancelsInFlight == 0
                    && !(_earliestCancelAfter <= upper + timeout);
                _cancelCallsAtSample = _cancelCalls;
                _sampling = true;
            }
        }
    }

    /// <inheritdoc/>
    void IClockWatcher.AfterAdvance()
    {
        using (_gate.Enter())
        {
            if (_sampling)
            {
                // Not when the token is still uncancelled and no code runs any more: the timer fired,
                // but its callback was overtaken (at a scheduling point inside it) by the last code
                // ending and the group completing, which made the late request a no-op — the race of
                // any timer with completion, which the spec leaves open (seen with an empty body,
                // `group deadline { }`, in generated programs). Its callback has returned by now, so an
                // uncancelled token while code still runs is a deadline that did not fire.
                _sampling = false;
                _deadlineMust = _deadlineMustCandidate && _cancelCalls == _cancelCallsAtSample && (ScopeTokenCancelled() || _running > 0);
            }
        }
    }

    /// <summary>What code a wrapper runs: the body, a spawned child, a StartAsync child or a shielded cleanup.</summary>
    private enum CodeKind
    {
        Body,
        Child,
        Started,
        Shield,
    }

    /// <summary>The scope the body and children see: the target's, with every call checked.</summary>
    private class Scope(CheckedRun run, IGroupScope inner) : IGroupScope
    {
        public CheckedRun Run => run;

        public long Id => inner.Id;

        public CancellationToken Token => inner.Token;

        public Task Spawn(Func<CancellationToken, Task> work) =>
            Checked(wrap => inner.Spawn(ct => wrap(ct, work)));

        public Task<T> Spawn<T>(Func<CancellationToken, Task<T>> work) =>
            Checked(wrap => inner.Spawn(ct =>
            {
                // Not an async lambda: a delegate that throws before returning its task must still
                // throw synchronously into the target, as it does without the wrapper.
                Task<T>? child = null;
                Task recorded = wrap(ct, token => child = work(token));
                return ResultAfter(recorded, child!);
            }));

        public bool? CancellationCaught => inner.CancellationCaught;

        public void Cancel() => CheckedCancel(inner.Cancel);

        /// <summary>A Cancel() or Cancel(reason) call, checked for invariant 7.</summary>
        protected void CheckedCancel(Action cancel)
        {
            bool completedBefore = run.IsRunCompleted;
            using (run._gate.Enter())
            {
                run._otherCancelCause = true;
                run._cancelCalls++;
                run._cancelsInFlight++;
            }

            Exception? thrown = null;
            run._checker.CancelCalled(run.GroupId);
            try
            {
                cancel();
            }
            catch (Exception e)
            {
                thrown = e;
            }

            int live;
            bool closing;
            using (run._gate.Enter())
            {
                run._cancelsInFlight--;
                run._cancelReturned = true;
                live = run._liveTokens.Count(t => !t.IsCancellationRequested);

                // A Cancel() racing completion may find the group already closed (no body or child
                // code running, outcome decided): then it is rightly a no-op. Same rule as Spawn.
                closing = completedBefore || run.IsRunCompleted || run._running == 0;
            }

            run._checker.CancelReturned(run.GroupId, thrown, closing, run.ScopeTokenCancelled(), live);
        }

        /// <summary>The child's own outcome, once the wrapper has recorded its end.</summary>
        private static Task<T> ResultAfter<T>(Task recorded, Task<T> child) => ResultAfterCore(recorded, child).Unwrap();

        private static async Task<Task<T>> ResultAfterCore<T>(Task recorded, Task<T> child)
        {
            try
            {
                await recorded;
            }
            catch (Exception)
            {
                // The same outcome as the child's, which completes the returned task with its own state.
            }

            return child;
        }

        private TTask Checked<TTask>(Func<Func<CancellationToken, Func<CancellationToken, Task>, Task>, TTask> spawn)
            where TTask : Task
        {
            bool completed = run.IsRunCompleted;
            bool cancelledBefore = run._cancelReturned || run.ScopeTokenCancelled();
            int id;
            using (run._gate.Enter())
            {
                id = ++run._nextChild; // under the gate, not Interlocked: no extra Coyote scheduling point
                if (run._options?.MaxConcurrency is not null)
                {
                    run._queuedBefore[id] = [.. run._spawnReturned.Where(c => !run._spawnStarted.Contains(c)).Order()];
                }
            }

            string name = $"{run._checker.NameOf(run.GroupId)}/child {id}";
            TTask task;
            run._checker.SpawnCalled(run.GroupId);
            try
            {
                task = spawn((ct, work) => run.Wrap(name, ct, cancelledBefore, CodeKind.Child, work, spawnIndex: id));
            }
            catch (Exception e)
            {
                run._checker.SpawnReturned(run.GroupId);
                bool closing;
                using (run._gate.Enter())
                {
                    closing = completed || run._running == 0;
                }

                run._checker.SpawnThrew(run.GroupId, e, closing);
                throw;
            }

            run._checker.SpawnReturned(run.GroupId);
            if (completed)
            {
                run._checker.SpawnAcceptedAfterCompletion(run.GroupId);
            }

            using (run._gate.Enter())
            {
                run._children.Add(task);
                run._spawnReturned.Add(id);
            }

            return task;
        }
    }

    /// <summary>The checked scope of a feature run: the seed's checks plus the features' members.</summary>
    private sealed class FeatureScope : Scope, IFeatureScope
    {
        private readonly CheckedRun _run;
        private readonly IFeatureScope _inner;

        public FeatureScope(CheckedRun owner, IFeatureScope features)
            : base(owner, features)
        {
            _run = owner;
            _inner = features;
        }

        public string? CancellationReason => _inner.CancellationReason;

        public void Cancel(string? reason) => CheckedCancel(() => _inner.Cancel(reason));

        public void CancelAfter(TimeSpan delay)
        {
            TimeSpan? now = _run._clock?.Elapsed;
            using (_run._gate.Enter())
            {
                // A quiet self-cancel: a cause that may absorb a racing private cancellation (accepted race).
                _run._otherCancelCause = true;
                if (now is { } t && delay != Timeout.InfiniteTimeSpan && !(_run._earliestCancelAfter <= t + delay))
                {
                    _run._earliestCancelAfter = t + delay;
                }
            }

            _run._checker.Note(_run.GroupId, $"CancelAfter({delay.TotalSeconds:0.###} s) called");
            using (_run._gate.Enter())
            {
                _run._cancelCalls++; // CancelAfter(0) cancels inline, like Cancel()
                _run._cancelsInFlight++;
            }

            try
            {
                _inner.CancelAfter(delay);
            }
            finally
            {
                using (_run._gate.Enter())
                {
                    _run._cancelsInFlight--;
                }
            }
        }

        public Task<T> StartAsync<T>(Func<Action<T>, CancellationToken, Task> work)
        {
            bool cancelledBefore = _run._cancelReturned || _run.ScopeTokenCancelled();
            int id;
            using (_run._gate.Enter())
            {
                id = ++_run._nextChild;
            }

            string name = $"{_run._checker.NameOf(_run.GroupId)}/start {id}";
            bool started = false;
            Task<T> task = _inner.StartAsync<T>((report, ct) => _run.Wrap(name, ct, cancelledBefore, CodeKind.Started,
                token => work(
                    value =>
                    {
                        report(value);
                        started = true;
                        _run._checker.Note(_run.GroupId, "StartAsync child called started()");
                    },
                    token),
                started: () => started));
            return task; // its code is counted while it runs (Wrap); the task itself ends at started()
        }

        public Task ShieldAsync(Func<CancellationToken, Task> cleanup, TimeSpan gracePeriod)
        {
            int id;
            using (_run._gate.Enter())
            {
                id = ++_run._nextChild;
            }

            string name = $"{_run._checker.NameOf(_run.GroupId)}/shield {id}";
            // Its code counts as the group's running code while it runs (Wrap): a group that completes
            // before it has ended breaks invariant 1.
            return _inner.ShieldAsync(ct => _run.Wrap(name, ct, cancelledBefore: false, CodeKind.Shield, cleanup), gracePeriod);
        }
    }
}
