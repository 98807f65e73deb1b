namespace TaskGroups.Verification;

/// <summary>
/// Checks invariants 1–8 of the spec on a stream of task-group lifecycle events (from the library's
/// diagnostics hook, or from a target that reports the same events) and of facts that the harness's
/// checking wrapper observes around each call (the harness's <c>CheckedRun</c>). Every violation is reported
/// at once, with the invariant's number and name.
/// </summary>
/// <remarks>
/// <para>Use it on your own code: <c>using var checker = InvariantChecker.Attach();</c> then run your
/// groups, then <c>checker.ThrowIfViolated()</c>. Attached this way it sees every
/// <see cref="TaskGroup"/> opened on the current asynchronous flow.</para>
/// <para>Thread-safe. Group ids are reported as <c>g1</c>, <c>g2</c>, … in the order the checker
/// first saw them, so that the same schedule always produces the same messages.</para>
/// </remarks>
public sealed class InvariantChecker : ITaskGroupListener, IDisposable
{
    /// <summary>The child whose ChildStarted event this thread raised last: its code runs next on this
    /// thread (every target invokes the delegate right after the event), so the wrapper names it after
    /// the group's own child id, the id every other event about it carries.</summary>
    [ThreadStatic]
    private static (InvariantChecker Checker, long Group, int Child) t_started;

    /// <summary>Groups this thread is inside a program's <c>Spawn</c> call of (timeline only).</summary>
    [ThreadStatic]
    private static List<GroupState>? t_spawning;

    /// <summary>Groups this thread is inside a program's <c>Cancel()</c> call of (timeline only).</summary>
    [ThreadStatic]
    private static List<GroupState>? t_cancelling;

    /// <summary>Groups this thread is inside a program's <c>Cancel()</c> call of that began with the
    /// group's token already cancelled: such a call must not cancel the group again (invariant 7,
    /// idempotent), so the group must not report a cancellation (CancelRequested) from it.</summary>
    [ThreadStatic]
    private static List<GroupState>? t_recancelling;

    private readonly SpinGate _gate = new();
    private readonly Dictionary<long, GroupState> _groups = [];
    private readonly List<InvariantViolation> _violations = [];
    private readonly Action<InvariantViolation>? _onViolation;
    private IDisposable? _subscription;

    /// <summary>Creates a checker.</summary>
    /// <param name="onViolation">Called for each violation as it is found (the harness turns it into a
    /// Coyote assertion failure); violations are also collected in <see cref="Violations"/>.</param>
    /// <param name="timeline">Where to record what happened, for a readable replay; optional.</param>
    public InvariantChecker(Action<InvariantViolation>? onViolation = null, Timeline? timeline = null)
    {
        _onViolation = onViolation;
        Timeline = timeline;
    }

    /// <summary>The timeline the checker records into, if any.</summary>
    public Timeline? Timeline { get; }

    /// <summary>Every violation found so far.</summary>
    public IReadOnlyList<InvariantViolation> Violations
    {
        get
        {
            using (_gate.Enter())
            {
                return [.. _violations];
            }
        }
    }

    /// <summary>
    /// Creates a checker attached to every <see cref="TaskGroup"/> opened on the current
    /// asynchronous flow until it is disposed.
    /// </summary>
    public static InvariantChecker Attach(Action<InvariantViolation>? onViolation = null, Timeline? timeline = null)
    {
        var checker = new InvariantChecker(onViolation, timeline);
        checker._subscription = TaskGroupDiagnostics.Listen(checker);
        return checker;
    }

    /// <summary>Throws <see cref="InvariantViolationException"/> if any violation was found.</summary>
    public void ThrowIfViolated()
    {
        IReadOnlyList<InvariantViolation> violations = Violations;
        if (violations.Count > 0)
        {
            throw new InvariantViolationException(violations);
        }
    }

    /// <summary>Detaches the checker if it was attached with <see cref="Attach"/>.</summary>
    public void Dispose() => _subscription?.Dispose();

    // ---------------------------------------------------------------------------------------------
    // Library events.
    // ---------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public void OnEvent(in TaskGroupEvent e)
    {
        var found = new List<InvariantViolation>(0);
        GroupState? registerOnCaller = null;
        CancellationTokenRegistration release = default;
        using (_gate.Enter())
        {
            GroupState g = StateOf(e.GroupId);
            if (Timeline is not null)
            {
                Record(Timeline, g, e);
            }

            if (e.Kind == TaskGroupEventKind.ChildStarted && e.ChildId != 0)
            {
                // The wrapper's delegate runs next on this thread: it names its task after this id.
                t_started = (this, e.GroupId, e.ChildId);
            }

            // Closed: the group said it completed, or its run task (sampled here, not reported) has.
            bool closed = g.Completed || g.Completion is { IsCompleted: true };
            if (closed)
            {
                switch (e.Kind)
                {
                    case TaskGroupEventKind.SpawnRejected:
                        break; // what a closed group must do (invariant 8)
                    case TaskGroupEventKind.ChildSpawned:
                        g.SpawnedAfterClose.Add(e.ChildId);
                        found.Add(new(8, $"{g.Name}.Spawn was accepted after the group completed (it must throw InvalidOperationException)"));
                        break;
                    case TaskGroupEventKind.ChildStarted when g.SpawnedAfterClose.Contains(e.ChildId):
                        found.Add(new(8, $"{g.Name} ran child {e.ChildId}, spawned after the group completed"));
                        break;
                    default:
                        found.Add(new(1, $"{g.Name} raised {e.Kind} after it completed"));
                        break;
                }
            }

            switch (e.Kind)
            {
                case TaskGroupEventKind.GroupOpened:
                    g.Parent = e.ParentGroupId == 0 ? null : StateOf(e.ParentGroupId);
                    g.Token = e.Token;
                    g.Completion = e.Completion;
                    if (e.Options is { } options)
                    {
                        // What the group says it was configured with only widens what it may do (a
                        // supervised group need not cancel on a failure; a group with a deadline may time
                        // out): a broken group that hid its options would be held to the stricter rules.
                        g.Supervised |= !options.FailFast;
                        g.HasDeadline |= options.Timeout is not null;
                    }
                    if (e.CallerToken.CanBeCanceled)
                    {
                        // Observed by the checker itself, not taken from the group's events (which a
                        // broken group could report as a literal false): registered outside the gate,
                        // since an already-cancelled token runs the callback at once.
                        g.CallerToken = e.CallerToken;
                        registerOnCaller = g;
                    }

                    break;
                case TaskGroupEventKind.CancelReturned:
                    // Raised only while the group counts the call as a participant (it cannot complete
                    // meanwhile): the token must be cancelled now, read here rather than from the event.
                    if (!(g.Token.CanBeCanceled ? g.Token.IsCancellationRequested : e.TokenCancelled))
                    {
                        found.Add(new(7, $"{g.Name}.Cancel() returned but the group's token is not cancelled"));
                    }

                    break;
                case TaskGroupEventKind.SpawnRejected when !closed && Running(g) is { } running:
                    // A child still counted in (no ChildCompleted yet, which precedes its release) or
                    // the body still running: the group could not have completed.
                    found.Add(new(8, $"{g.Name}.Spawn was rejected while the group was running ({running})"));
                    break;
                case TaskGroupEventKind.ChildSpawned:
                    g.Spawned.Add(e.ChildId);
                    if (g.CancelRequested)
                    {
                        // CancelRequested is raised after the token was cancelled and was recorded
                        // before this spawn: the child must start cancelled (checked at ChildStarted).
                        g.SpawnedAfterCancel.Add(e.ChildId);
                    }

                    break;
                case TaskGroupEventKind.ChildStarted when e.ChildId != 0:
                    if (g.SpawnedAfterCancel.Contains(e.ChildId) && !e.TokenCancelled)
                    {
                        found.Add(new(2, $"{g.Name} child {e.ChildId} started with an uncancelled token after the group was cancelled"));
                    }

                    break;
                case TaskGroupEventKind.ChildFailed:
                    g.Failures++;
                    break;
                case TaskGroupEventKind.ChildCompleted when e.ChildId != 0:
                    g.Finished.Add(e.ChildId);
                    break;
                case TaskGroupEventKind.ChildCompleted:
                    g.BodyFinished = true;
                    break;
                case TaskGroupEventKind.CancelRequested:
                    if (t_recancelling?.Contains(g) == true)
                    {
                        found.Add(new(7, $"{g.Name} reported a cancellation ({e.Cause}) from a Cancel() called after its token was already cancelled: Cancel() must be idempotent"));
                    }

                    g.CancelRequested = true;
                    g.DeadlineCancelled |= e.Cause == TaskGroupCancelCause.Deadline;
                    if (e.Cause == TaskGroupCancelCause.CallerToken && !e.CallerTokenCancelled)
                    {
                        // For a nested group the caller's token is the enclosing group's: an inner
                        // Cancel() must not look like (or cause) the outer one's.
                        found.Add(new(g.Parent is null ? 3 : 4, $"{g.Name} was cancelled as if by its caller, but the caller's token is not cancelled"));
                    }

                    break;
                case TaskGroupEventKind.GroupCompleted:
                    g.Completed = true;
                    g.DecidedStatus = e.Status;
                    g.DecidedWithCallerCancelled = e.CallerTokenCancelled;
                    release = g.CallerRegistration;
                    g.CallerRegistration = default;
                    CheckCompletion(g, e, found);
                    break;
            }
        }

        // Unregister, not Dispose: Dispose would wait for a callback running on another thread (and the
        // checker must not keep a long-lived caller token's registrations alive: invariant 9).
        release.Unregister();
        if (registerOnCaller is not null)
        {
            CancellationTokenRegistration registration = registerOnCaller.CallerToken.UnsafeRegister(
                static state => ((CallerWatch)state!).Checker.CallerCancelledObserved(((CallerWatch)state).Group),
                new CallerWatch(this, registerOnCaller));
            bool stale;
            using (_gate.Enter())
            {
                stale = registerOnCaller.Completed;
                if (!stale)
                {
                    registerOnCaller.CallerRegistration = registration;
                }
            }

            if (stale)
            {
                registration.Unregister();
            }
        }

        Report(found);
    }

    /// <summary>What of <paramref name="g"/> is still running by its events (the body, or children
    /// spawned and not completed), or null.</summary>
    private static string? Running(GroupState g)
    {
        int children = g.Spawned.Count(id => !g.Finished.Contains(id));
        return !g.BodyFinished ? "its body had not completed"
            : children > 0 ? $"{children} child(ren) had not completed"
            : null;
    }

    /// <summary>The checker's own registration on a group's caller token ran: the caller has cancelled.
    /// If the group's body or a child was still running by its events, the group cannot have decided its
    /// outcome yet, so it must not end successfully (invariants 3 and 4).</summary>
    private void CallerCancelledObserved(GroupState g)
    {
        using (_gate.Enter())
        {
            g.CallerCancelled = true;
            if (!g.Completed && Running(g) is not null)
            {
                g.CallerCancelledWhileRunning = true;
            }
        }
    }

    private sealed record CallerWatch(InvariantChecker Checker, GroupState Group);

    private static void CheckCompletion(GroupState g, in TaskGroupEvent e, List<InvariantViolation> found)
    {
        int running = g.Spawned.Count(id => !g.Finished.Contains(id));
        if (running > 0)
        {
            found.Add(new(1, $"{g.Name} completed while {running} of its children had not"));
        }

        if (g.Failures > 0 && e.Status != TaskStatus.Faulted)
        {
            found.Add(new(5, $"{g.Name} had {g.Failures} failure(s) but ended {e.Status}"));
        }

        if (g.Failures == 0 && e.Status == TaskStatus.Faulted && !g.MayTimeOut)
        {
            found.Add(new(5, $"{g.Name} ended Faulted without any recorded failure"));
        }

        if (g.Failures > 0 && !e.TokenCancelled && !g.IsSupervised)
        {
            found.Add(new(6, $"{g.Name} failed but its token was never cancelled"));
        }

        if (g.CallerCancelledWhileRunning && e.Status == TaskStatus.RanToCompletion)
        {
            found.Add(new(g.Parent is null ? 3 : 4,
                $"{g.Name} ended successfully although its caller's token was cancelled while its tasks were running" + (g.Parent is null ? string.Empty : $" (nested in {g.Parent.Name})")));
        }
        else if (e.CallerTokenCancelled && e.Status == TaskStatus.RanToCompletion)
        {
            found.Add(new(g.Parent is null ? 3 : 4,
                $"{g.Name} ended successfully although its caller's token was cancelled" + (g.Parent is null ? string.Empty : $" (nested in {g.Parent.Name})")));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Facts observed by the harness's checking wrapper (CheckedRun), for every target.
    // ---------------------------------------------------------------------------------------------

    // The methods below take facts that a checking wrapper observed around calls into a group
    // (the harness's CheckedRun); they are public so that other wrappers can report the same facts.

    /// <summary>
    /// The lane name of the child whose code is about to run on this thread in group
    /// <paramref name="groupId"/> (<c>g1/child 3</c>, after the group's own child id), or
    /// <paramref name="fallback"/> for a target that raised no ChildStarted event for it.
    /// </summary>
    public string ChildName(long groupId, string fallback)
    {
        (InvariantChecker checker, long group, int child) = t_started;
        if (checker != this || group != groupId)
        {
            return fallback;
        }

        t_started = default;
        using (_gate.Enter())
        {
            return ChildLane(StateOf(groupId), child);
        }
    }

    /// <summary>The program calls Spawn on the group (until <see cref="SpawnReturned"/>): children the
    /// group reports meanwhile are the program's, not the target's helpers.</summary>
    public void SpawnCalled(long groupId)
    {
        if (Timeline is not null)
        {
            (t_spawning ??= []).Add(Lookup(groupId));
        }
    }

    /// <summary>The program's Spawn call on the group returned (or threw).</summary>
    public void SpawnReturned(long groupId)
    {
        if (Timeline is not null)
        {
            t_spawning?.Remove(Lookup(groupId));
        }
    }

    /// <summary>The program calls Cancel() on the group; <see cref="CancelReturned"/> follows.</summary>
    public void CancelCalled(long groupId)
    {
        GroupState called = Lookup(groupId);
        if (called.Token.CanBeCanceled && called.Token.IsCancellationRequested)
        {
            (t_recancelling ??= []).Add(called);
        }

        if (Timeline is not null)
        {
            GroupState g = Lookup(groupId);
            Timeline.Add($"{g.Name}.Cancel() called", TimelineEntryKind.CancelCalled);
            (t_cancelling ??= []).Add(g);
        }
    }

    /// <summary>The group's token became cancelled (seen by a registration on it).</summary>
    public void TokenCancelled(long groupId)
    {
        if (Timeline is not null)
        {
            GroupState g = Lookup(groupId);
            Timeline.Add($"{g.Name}'s token is cancelled now", TimelineEntryKind.TokenCancelled, g.Name);
        }
    }

    private GroupState Lookup(long groupId)
    {
        using (_gate.Enter())
        {
            return StateOf(groupId);
        }
    }

    /// <summary>Cancel() returned (or threw); <paramref name="closing"/> tells whether the group had
    /// completed or had no body or child code running any more (then Cancel() may be a no-op).</summary>
    public void CancelReturned(long groupId, Exception? thrown, bool closing, bool tokenCancelled, int liveChildTokens)
    {
        var found = new List<InvariantViolation>(0);
        using (_gate.Enter())
        {
            GroupState g = StateOf(groupId);
            g.CancelCalled |= !closing;
            t_cancelling?.Remove(g);
            t_recancelling?.Remove(g);
            Timeline?.Add(
                $"{g.Name}.Cancel() returned" + (thrown is null ? string.Empty : $" by throwing {thrown.GetType().Name}")
                + (tokenCancelled ? $"; {g.Name}'s token is cancelled" : $"; {g.Name}'s token is still NOT cancelled"),
                TimelineEntryKind.CancelReturned);
            if (thrown is not null)
            {
                found.Add(new(7, $"{g.Name}.Cancel() threw {thrown.GetType().Name}" + (closing ? " after the group completed" : string.Empty)));
            }
            else if (!closing && !tokenCancelled)
            {
                found.Add(new(7, $"{g.Name}.Cancel() returned but the group's token is not cancelled"));
            }
            else if (!closing && liveChildTokens > 0)
            {
                found.Add(new(7, $"{g.Name}.Cancel() returned but {liveChildTokens} running child(ren) still have an uncancelled token"));
            }
        }

        Report(found);
    }

    /// <summary>A child's code started; <paramref name="groupCancelledBefore"/> tells whether the group
    /// had been cancelled before Spawn was called.</summary>
    public void ChildCodeStarted(long groupId, string child, bool tokenCancelled, bool groupCancelledBefore)
    {
        var found = new List<InvariantViolation>(0);
        using (_gate.Enter())
        {
            GroupState g = StateOf(groupId);
            Timeline?.Add($"{child} started" + (tokenCancelled ? " (token already cancelled)" : string.Empty), TimelineEntryKind.Started);
            if (groupCancelledBefore && !tokenCancelled)
            {
                found.Add(new(2, $"{child} was spawned after {g.Name} was cancelled but started with an uncancelled token"));
            }

            if (g.RunCompleted)
            {
                found.Add(new(1, $"{child} started after {g.Name} completed"));
            }
        }

        Report(found);
    }

    /// <summary>A child's code ended, with <paramref name="failure"/> if it failed.</summary>
    public void ChildCodeEnded(long groupId, string child, Exception? failure, bool cancelled)
    {
        var found = new List<InvariantViolation>(0);
        using (_gate.Enter())
        {
            GroupState g = StateOf(groupId);
            Timeline?.Add($"{child} ended " + (failure is not null ? $"with failure {failure.GetType().Name}: {failure.Message}" : cancelled ? "cancelled" : "normally"), TimelineEntryKind.Ended);
            if (failure is not null)
            {
                g.WrapperFailures++;
            }

            if (g.RunCompleted)
            {
                found.Add(new(1, $"{child} was still running after {g.Name} completed"));
            }
        }

        Report(found);
    }

    /// <summary>Spawn threw <paramref name="exception"/>; <paramref name="closing"/> tells whether the
    /// group had completed or had no body or child code running any more (so it may be closed).</summary>
    public void SpawnThrew(long groupId, Exception exception, bool closing)
    {
        var found = new List<InvariantViolation>(0);
        using (_gate.Enter())
        {
            GroupState g = StateOf(groupId);
            Timeline?.Add($"{g.Name}.Spawn threw {exception.GetType().Name}", TimelineEntryKind.Failure);
            if (!closing)
            {
                found.Add(new(2, $"{g.Name}.Spawn threw {exception.GetType().Name} while the group was running (\"{exception.Message}\")"));
            }
            else if (exception is not InvalidOperationException)
            {
                found.Add(new(8, $"{g.Name}.Spawn after completion threw {exception.GetType().Name}, not InvalidOperationException"));
            }
        }

        Report(found);
    }

    /// <summary>Spawn returned normally after the run had completed.</summary>
    public void SpawnAcceptedAfterCompletion(long groupId)
    {
        InvariantViolation v;
        using (_gate.Enter())
        {
            GroupState g = StateOf(groupId);
            v = new(8, $"{g.Name}.Spawn after completion did not throw InvalidOperationException");
        }

        Report([v]);
    }

    /// <summary>
    /// The run's task completed: check it against the outcome table, given the failures the wrapper
    /// saw thrown, whether the caller's token was cancelled, and whether every child had finished.
    /// </summary>
    /// <param name="groupId">The group.</param>
    /// <param name="run">The run's completed task.</param>
    /// <param name="failures">Failures the wrapper saw, which the group must report.</param>
    /// <param name="callerToken">The caller's token.</param>
    /// <param name="callerCancelledWhileRunning">Whether the caller cancelled before the run's task completed.</param>
    /// <param name="unfinishedChildren">Body and child code still running.</param>
    /// <param name="facts">What the wrapper observed by itself (see <see cref="RunFacts"/>).</param>
    public void RunCompleted(long groupId, Task run, IReadOnlyList<Exception> failures, CancellationToken callerToken, bool callerCancelledWhileRunning, int unfinishedChildren, RunFacts? facts = null)
    {
        var found = new List<InvariantViolation>(0);
        IReadOnlyList<Exception> mayFailures = facts?.MayFailures ?? [];
        using (_gate.Enter())
        {
            GroupState g = StateOf(groupId);
            g.RunCompleted = true;
            Timeline?.Add($"{g.Name} run completed: {run.Status}", TimelineEntryKind.Completed);
            if (unfinishedChildren > 0)
            {
                found.Add(new(1, $"{g.Name}'s run completed while {unfinishedChildren} child(ren) had not finished"));
            }

            // Canceled is required only if the caller cancelled before the run completed; it is
            // allowed if the caller cancelled at any time up to now (the group may have seen it last).
            bool callerCancelled = callerToken.IsCancellationRequested;
            int rule = g.Parent is null ? 3 : 4;
            bool timedOut = run.IsFaulted && run.Exception!.InnerExceptions.Count == 1
                && run.Exception.InnerExceptions[0].GetType() == typeof(TimeoutException);
            bool leaked = facts is { NotGroupFailures.Count: > 0 } && run.IsFaulted
                && run.Exception!.InnerExceptions is [AggregateException reported]
                && facts.NotGroupFailures.Any(reported.InnerExceptions.Contains);
            if (leaked)
            {
                found.Add(InvariantViolation.OfFeature(FeatureRule.Start, $"{g.Name} reported a StartAsync child's failure from before started(), which belongs to StartAsync's task alone"));
            }
            else if (failures.Count > 0)
            {
                CheckFailures(g, run, failures, found);
            }
            else if (timedOut && facts is { CallerCancelledWhileCodeRan: true })
            {
                found.Add(new(rule, $"{g.Name} ended with TimeoutException although its caller's token was cancelled while its tasks still ran: the deadline absorbed the caller's cancellation"));
            }
            else if (timedOut && facts?.DeadlineMayHaveElapsed != true)
            {
                found.Add(InvariantViolation.OfFeature(FeatureRule.Timeout, $"{g.Name} ended with TimeoutException before its deadline elapsed on the group's clock" + (g.MayTimeOut ? string.Empty : " (it has no deadline)")));
            }
            else if (timedOut)
            {
                // The timeout row of the outcome table: the deadline cancelled the group first.
            }
            else if (facts is { DeadlineMustTimeOut: true } && !callerCancelled && !run.IsFaulted)
            {
                found.Add(InvariantViolation.OfFeature(FeatureRule.Timeout, $"{g.Name}'s deadline elapsed first while its tasks still ran, nothing failed and the caller did not cancel, but the group ended {run.Status}, not with TimeoutException"));
            }
            else if (run.IsFaulted && mayFailures.Count == 0)
            {
                found.Add(new(5, $"{g.Name} ended Faulted without any failure: {run.Exception!.InnerException?.GetType().Name}: {run.Exception.InnerException?.Message}"));
            }
            else if (run.IsFaulted)
            {
                // Allowed: a cancellation raced the group's own cancellation and was reported.
            }
            else if (facts is { CallerCancelledWhileCodeRan: true } && !run.IsCanceled)
            {
                found.Add(new(rule, $"{g.Name}'s caller token was cancelled while its tasks were still running, but the group ended {run.Status}"));
            }
            else if (callerCancelledWhileRunning && !run.IsCanceled && !DecidedBeforeCallerCancelled(g, run))
            {
                found.Add(new(rule, $"{g.Name}'s caller token was cancelled but the group ended {run.Status}"));
            }
            else if (run.IsCanceled && callerCancelled && new TaskCanceledException(run).CancellationToken != callerToken)
            {
                found.Add(new(rule, $"{g.Name} ended Canceled with a token other than its caller's"));
            }
            else if (!callerCancelled && run.IsCanceled)
            {
                found.Add(new(rule, $"{g.Name} ended Canceled although only its own signal was raised"));
            }

            // CancellationCaught (outcome table, row 2): true exactly when the group ended successfully
            // with its token cancelled — which, with no failure and no caller cancellation, only its own
            // Cancel() can have done.
            if (found.Count == 0 && facts?.CancellationCaught is bool caught)
            {
                bool expected = run.Status == TaskStatus.RanToCompletion && facts.TokenCancelled;
                if (caught != expected)
                {
                    found.Add(new(3, $"{g.Name}.CancellationCaught is {caught} but the group ended {run.Status} with its token {(facts.TokenCancelled ? "cancelled" : "not cancelled")}"));
                }
            }
        }

        Report(found);
    }

    /// <summary>
    /// The group runs with beyond-the-seed options: <paramref name="supervised"/> (FailFast = false: a
    /// failure need not cancel the token) and <paramref name="hasDeadline"/> (a Timeout: the run may end
    /// Faulted with a TimeoutException and no failure). Told by the wrapper before the group completes.
    /// </summary>
    public void GroupOptions(long groupId, bool supervised, bool hasDeadline)
    {
        using (_gate.Enter())
        {
            GroupState g = StateOf(groupId);
            g.Supervised = supervised;
            g.HasDeadline = hasDeadline;
        }
    }

    /// <summary>The wrapper saw feature rule <paramref name="rule"/> broken in the group: reports it,
    /// the group's stable name first.</summary>
    public void FeatureViolated(long groupId, FeatureRule rule, string detail)
    {
        InvariantViolation v;
        using (_gate.Enter())
        {
            v = InvariantViolation.OfFeature(rule, $"{StateOf(groupId).Name} {detail}");
        }

        Report([v]);
    }

    /// <summary>Records a step of a feature (a deadline firing, a started handshake) in the timeline.</summary>
    public void Note(long groupId, string what, TimelineEntryKind kind = TimelineEntryKind.Note)
    {
        if (Timeline is not null)
        {
            Timeline.Add($"{Lookup(groupId).Name} {what}", kind);
        }
    }

    /// <summary>The caller's token of a group was cancelled (observed by the wrapper).</summary>
    public void CallerTokenCancelled(long groupId)
    {
        using (_gate.Enter())
        {
            StateOf(groupId).CallerCancelled = true;
        }
    }

    /// <summary>
    /// Names the invariant a hang breaks, from what was seen before Coyote found every task blocked:
    /// the innermost group that never completed and why it should have.
    /// </summary>
    /// <returns>The violation, or null if every group completed.</returns>
    public InvariantViolation? DescribeHang()
    {
        using (_gate.Enter())
        {
            GroupState[] open = [.. _groups.Values.Where(g => !g.RunCompleted && !g.Completed)];
            if (open.Length == 0)
            {
                return null;
            }

            GroupState g = open[^1]; // the innermost (last opened) group still open

            // A token the group did cancel: the group did its part and waits, as it must (invariant 1),
            // for code that ignores the cancellation — the code's bug, not the group's.
            GroupState? ignored = open.LastOrDefault(o => o.Token.IsCancellationRequested && (!o.BodyFinished || o.Spawned.Except(o.Finished).Any()));
            if (ignored is not null)
            {
                return new(1, $"{ignored.Name} never completed: its token was cancelled, but a task ignores cancellation and never finished, and the group waits for every task (deadlock)");
            }

            GroupState? failed = open.LastOrDefault(o => !o.IsSupervised && (o.Failures > 0 || o.WrapperFailures > 0));
            if (failed is not null)
            {
                return new(6, $"{failed.Name} never completed: a task failed but a sibling was never cancelled (deadlock)");
            }

            GroupState? cancelled = open.LastOrDefault(o => o.CancelCalled);
            if (cancelled is not null)
            {
                return new(2, $"{cancelled.Name} never completed: Cancel() was called but a child was never cancelled (deadlock)");
            }

            GroupState? byCaller = open.LastOrDefault(o => o.CallerCancelled);
            if (byCaller is not null)
            {
                return new(byCaller.Parent is null ? 3 : 4, $"{byCaller.Name} never completed: its caller's token was cancelled but a child was never cancelled (deadlock)");
            }

            return new(1, $"{g.Name} never completed: a task never finished (deadlock)");
        }
    }

    /// <summary>
    /// A group decides its outcome, then completes its task; a caller cancelling in between is
    /// linearised after the decision. That excuse holds only when the group's own completion event
    /// says it decided success with the caller's token uncancelled, and the run did end that way.
    /// </summary>
    private static bool DecidedBeforeCallerCancelled(GroupState g, Task run) =>
        g.Completed && !g.DecidedWithCallerCancelled
        && ((g.DecidedStatus == TaskStatus.RanToCompletion && run.Status == TaskStatus.RanToCompletion)
            || (g.MayTimeOut && g.DecidedStatus == TaskStatus.Faulted && run.IsFaulted
                && run.Exception!.InnerExceptions is [TimeoutException]));

    private static void CheckFailures(GroupState g, Task run, IReadOnlyList<Exception> failures, List<InvariantViolation> found)
    {
        if (!run.IsFaulted)
        {
            found.Add(new(5, $"{g.Name} had {failures.Count} failure(s) but ended {run.Status}"));
            return;
        }

        // The awaited exception: one AggregateException holding every failure.
        Exception? outer = run.Exception!.InnerExceptions.Count == 1 ? run.Exception.InnerExceptions[0] : null;
        if (outer is not AggregateException aggregate)
        {
            found.Add(new(5, $"{g.Name} did not end with one AggregateException holding its failures"));
            return;
        }

        int lost = failures.Count(f => !aggregate.InnerExceptions.Contains(f));
        if (lost > 0)
        {
            found.Add(new(5, $"{g.Name} lost {lost} of {failures.Count} failure(s)"));
        }
    }

    // ---------------------------------------------------------------------------------------------

    /// <summary>The stable name (<c>g1</c>, <c>g2</c>, …) of a group id.</summary>
    public string NameOf(long groupId)
    {
        using (_gate.Enter())
        {
            return StateOf(groupId).Name;
        }
    }

    private GroupState StateOf(long groupId)
    {
        if (!_groups.TryGetValue(groupId, out GroupState? g))
        {
            g = new GroupState($"g{_groups.Count + 1}");
            _groups.Add(groupId, g);
        }

        return g;
    }

    /// <summary>
    /// Records a library event in the timeline: events about one child go to that child's lane
    /// (whatever flow raised them), the others to the task that caused them. A child spawned outside
    /// any program <c>Spawn</c> call is the target's own helper and is labelled as such.
    /// </summary>
    private static void Record(Timeline timeline, GroupState g, in TaskGroupEvent e)
    {
        string lane = e.ChildId == 0 ? $"{g.Name}/body" : ChildLane(g, e.ChildId);
        switch (e.Kind)
        {
            case TaskGroupEventKind.GroupOpened:
                timeline.Add($"{g.Name} opened", TimelineEntryKind.Opened);
                timeline.Describe($"{g.Name}/body", $"body of {g.Name}" + (e.ParentGroupId == 0 ? string.Empty : ", a nested group"));
                break;
            case TaskGroupEventKind.ChildSpawned:
                timeline.Add($"{g.Name} spawned child {e.ChildId}", TimelineEntryKind.Spawned, lane);
                timeline.Describe(lane, RoleOfSpawn(g, e.ChildId));
                break;
            case TaskGroupEventKind.ChildStarted:
                timeline.Add(lane, $"{g.Name} invoked {(e.ChildId == 0 ? "the body" : $"child {e.ChildId}")}" + (e.TokenCancelled ? " (token already cancelled)" : string.Empty), TimelineEntryKind.Started);
                break;
            case TaskGroupEventKind.ChildFailed:
                timeline.Add(lane, $"{g.Name} recorded the failure {e.Exception?.GetType().Name}", TimelineEntryKind.Failure);
                break;
            case TaskGroupEventKind.ChildCompleted:
                timeline.Add(lane, $"{g.Name} saw {(e.ChildId == 0 ? "the body" : $"child {e.ChildId}")} complete: {e.Status}", TimelineEntryKind.Ended);
                break;
            case TaskGroupEventKind.CancelRequested:
                timeline.Add($"{g.Name} cancellation requested ({e.Cause}); token " + (e.TokenCancelled ? "cancelled" : "NOT cancelled yet"), TimelineEntryKind.CancelRequested);
                break;
            case TaskGroupEventKind.GroupCompleted:
                timeline.Add($"{g.Name} completed {e.Status}", TimelineEntryKind.Completed);
                break;
            default:
                timeline.Add($"{g.Name} {e.Kind}");
                break;
        }
    }

    private static string ChildLane(GroupState g, int childId) => $"{g.Name}/child {childId}";

    private static string RoleOfSpawn(GroupState g, int childId)
    {
        string by = Timeline.CurrentTask;
        if (t_spawning?.Contains(g) == true)
        {
            return $"child {childId} of {g.Name}, spawned by {by}";
        }

        return t_cancelling?.Contains(g) == true
            ? $"cancel helper of {g.Name}: spawned by the target inside {g.Name}.Cancel() (called by {by}), not by the program"
            : $"helper of {g.Name}: spawned by the target itself (in {by}), not by the program";
    }

    private void Report(List<InvariantViolation> found)
    {
        if (found.Count == 0)
        {
            return;
        }

        using (_gate.Enter())
        {
            _violations.AddRange(found);
        }

        foreach (InvariantViolation violation in found)
        {
            Timeline?.Add(violation.ToString(), TimelineEntryKind.Violation);
            _onViolation?.Invoke(violation);
        }
    }

    private sealed class GroupState(string name)
    {
        public string Name { get; } = name;

        /// <summary>Supervised: reported by the group when it opened, or told by the wrapper.</summary>
        public bool IsSupervised => Supervised;

        /// <summary>Has a deadline: reported by the group when it opened, told by the wrapper, or (an
        /// excuse only, never a verdict) the group reported a cancellation caused by its deadline.</summary>
        public bool MayTimeOut => HasDeadline || DeadlineCancelled;

        public bool DeadlineCancelled { get; set; }

        public GroupState? Parent { get; set; }

        public HashSet<int> Spawned { get; } = [];

        public HashSet<int> Finished { get; } = [];

        public HashSet<int> SpawnedAfterCancel { get; } = [];

        public int Failures { get; set; }

        public bool CancelRequested { get; set; }

        public bool CancelCalled { get; set; }

        public bool Completed { get; set; }

        public bool RunCompleted { get; set; }

        public TaskStatus DecidedStatus { get; set; }

        public bool DecidedWithCallerCancelled { get; set; }

        public int WrapperFailures { get; set; }

        public bool CallerCancelled { get; set; }

        /// <summary>The checker's own registration saw the caller cancel while the body or a child ran.</summary>
        public bool CallerCancelledWhileRunning { get; set; }

        public bool BodyFinished { get; set; }

        public HashSet<int> SpawnedAfterClose { get; } = [];

        /// <summary>The group's token, from GroupOpened (default from a reporter that gives none).</summary>
        public CancellationToken Token { get; set; }

        public CancellationToken CallerToken { get; set; }

        public CancellationTokenRegistration CallerRegistration { get; set; }

        /// <summary>The group's run task, from GroupOpened; null from a reporter that gives none.</summary>
        public Task? Completion { get; set; }

        public bool Supervised { get; set; }

        public bool HasDeadline { get; set; }
    }
}
