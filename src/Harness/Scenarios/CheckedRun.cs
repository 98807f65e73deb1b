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
public sealed class CheckedRun
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
        Task task;
        try
        {
            task = target.RunAsync(scope => run.RunBody(scope, body), checker, callerToken);
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
        var checkedScope = new Scope(this, scope);
        string name = $"{_checker.NameOf(GroupId)}/body";
        return Wrap(name, scope.Token, cancelledBefore: false, isChild: false, _ => body(checkedScope));
    }

    /// <summary>Runs a body or child's code with its start and end recorded. The synchronous part
    /// stays synchronous, so a delegate that throws before its first await still does.</summary>
    private Task Wrap(string name, CancellationToken token, bool cancelledBefore, bool isChild, Func<CancellationToken, Task> work)
    {
        // A child is named after the group's own id for it, which every library event about it carries.
        if (isChild)
        {
            name = _checker.ChildName(GroupId, name);
        }

        // Naming the task (an AsyncLocal write) is only needed for a readable timeline (replay).
        bool named = _checker.Timeline is not null;
        string? previousName = named ? Timeline.SetCurrentTask(name) : null;
        long previousGroup = ScopeTracker.Enter(GroupId);
        try
        {
            using (_gate.Enter())
            {
                _running++;
                if (isChild)
                {
                    _liveTokens.Add(token);
                }
            }

            _checker.ChildCodeStarted(GroupId, name, token.IsCancellationRequested, cancelledBefore);
            Task task;
            try
            {
                task = work(token);
            }
            catch (Exception e)
            {
                Ended(name, token, isChild, e);
                throw;
            }

            return WaitAndRecord(name, token, isChild, task);
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

    private async Task WaitAndRecord(string name, CancellationToken token, bool isChild, Task task)
    {
        try
        {
            await task;
        }
        catch (Exception e)
        {
            Ended(name, token, isChild, e);
            throw;
        }

        Ended(name, token, isChild, exception: null);
    }

    private void Ended(string name, CancellationToken token, bool isChild, Exception? exception)
    {
        // The own-signal rule, second revision: a cancellation, whatever its token (a linked source,
        // TrySetCanceled() without one), that ends a task while the group's token is cancelled is the
        // group's signal; while it is not cancelled, every cancellation is a failure.
        bool cancellation = exception is OperationCanceledException;
        bool signal = cancellation && (token.IsCancellationRequested || ScopeTokenCancelled());
        Exception? failure = exception is not null && !signal ? exception : null;
        using (_gate.Enter())
        {
            _running--;
            if (isChild)
            {
                _liveTokens.Remove(token);
            }

            if (failure is not null && cancellation)
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
        }

        string? previous = _checker.Timeline is null ? null : Timeline.SetCurrentTask(_parentTask);
        _checker.RunCompleted(GroupId, task, failures, _callerToken, _callerCancelledWhileRunning, unfinished,
            new RunFacts(mayFailures, _callerCancelledWhileCodeRan, _scope?.CancellationCaught, ScopeTokenCancelled()));
        if (_checker.Timeline is not null)
        {
            Timeline.SetCurrentTask(previous);
        }
    }

    /// <summary>The scope the body and children see: the target's, with every call checked.</summary>
    private sealed class Scope(CheckedRun run, IGroupScope inner) : IGroupScope
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

        public void Cancel()
        {
            bool completedBefore = run.IsRunCompleted;
            using (run._gate.Enter())
            {
                run._otherCancelCause = true;
            }

            Exception? thrown = null;
            run._checker.CancelCalled(run.GroupId);
            try
            {
                inner.Cancel();
            }
            catch (Exception e)
            {
                thrown = e;
            }

            int live;
            bool closing;
            using (run._gate.Enter())
            {
                run._cancelReturned = true;
                live = run._liveTokens.Count(t => !t.IsCancellationRequested);

                // A Cancel() racing completion may find the group already closed (no body or child
                // code running, outcome decided): then it is rightly a no-op. Same rule as Spawn.
                closing = completedBefore || run.IsRunCompleted || run._running == 0;
            }

            run._checker.CancelReturned(run.GroupId, thrown, closing, inner.Token.IsCancellationRequested, live);
        }

        /// <summary>The child's own outcome, once the wrapper has recorded its end.</summary>
        private static async Task<T> ResultAfter<T>(Task recorded, Task<T> child)
        {
            try
            {
                await recorded;
            }
            catch (Exception)
            {
                // The same outcome as the child's, which is rethrown below with its own state.
            }

            return await child;
        }

        private TTask Checked<TTask>(Func<Func<CancellationToken, Func<CancellationToken, Task>, Task>, TTask> spawn)
            where TTask : Task
        {
            bool completed = run.IsRunCompleted;
            bool cancelledBefore = run._cancelReturned || inner.Token.IsCancellationRequested;
            int id;
            using (run._gate.Enter())
            {
                id = ++run._nextChild; // under the gate, not Interlocked: no extra Coyote scheduling point
            }

            string name = $"{run._checker.NameOf(run.GroupId)}/child {id}";
            TTask task;
            run._checker.SpawnCalled(run.GroupId);
            try
            {
                task = spawn((ct, work) => run.Wrap(name, ct, cancelledBefore, isChild: true, work));
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
            }

            return task;
        }
    }
}
