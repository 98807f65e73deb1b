using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Coyote.Specifications;
using TaskGroups.Harness.Scenarios;
using TaskGroups.Harness.Targets;
using TaskGroups.Verification;

namespace TaskGroups.Harness.Programs;

/// <summary>
/// Runs a <see cref="TaskProgram"/> against any target, every group through
/// <see cref="CheckedContext.RunGroupAsync"/> (so the invariant checker checks invariants 1–7 on
/// every schedule), and asserts that what happened is allowed by the <see cref="ProgramModel"/>:
/// each group's status and failures, each task's end, each child's returned value. A disagreement
/// is a Coyote assertion failure whose message starts with <c>model violated:</c>.
/// </summary>
/// <remarks>
/// Every wait of a program also wakes when its group is idle (every task of the group is waiting or
/// done), so a program cannot deadlock under a correct group: a deadlock Coyote reports is a bug of
/// the target. One interpreter per schedule.
/// </remarks>
public sealed class ProgramInterpreter
{
    /// <summary>The virtual clock's step: a deadline elapses after one or two advances, a grace period after one.</summary>
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(5);

    private readonly CheckedContext _ctx;
    private readonly ProgramModel _model;
    private readonly TaskEnd[] _ends;
    private readonly TaskCompletionSource[] _signals;
    private readonly CancellationTokenSource _caller = new();
    private readonly List<(Task<int> Task, int Value, TaskNode Child)> _values = [];
    private readonly List<Task> _outsiders = [];
    private readonly List<(IGroupScope Scope, TaskNode Task)> _lateSpawns = [];

    /// <summary>Shielded cleanups started (awaited at the end, so that no program code outlives the test).</summary>
    private readonly List<Task> _shields = [];

    /// <summary>StartAsync handshakes, checked at the end against what their child did.</summary>
    private readonly List<(Task<int> Start, TaskNode Child)> _starts = [];

    /// <summary>Which StartAsync children called <c>started</c>.</summary>
    private readonly bool[] _startedCalled;

    /// <summary>The TimeoutException each timed-out group ended with, so the enclosing group's exception
    /// can be read as failures (a nested timeout is a failure of the task that awaited it).</summary>
    private readonly Dictionary<Exception, GroupNode> _timeouts = new(ReferenceEqualityComparer.Instance);

    /// <summary>Cancel reasons by their text.</summary>
    private readonly Dictionary<string, int> _reasons = new(StringComparer.Ordinal);

    /// <summary>Whether every group runs as a feature group (the program uses a feature operation).</summary>
    private readonly bool _features;

    /// <summary>The schedule's virtual clock, when a deadline or a grace period needs one.</summary>
    private VirtualClock? _clock;

    private ProgramInterpreter(CheckedContext ctx, ProgramModel model)
    {
        _ctx = ctx;
        _model = model;
        _ends = new TaskEnd[model.Tasks.Count];
        _startedCalled = new bool[model.Tasks.Count];
        _features = model.Program.UsesFeatures;
        foreach (CancelReasonOp r in model.Tasks.SelectMany(t => t.Block.Ops).OfType<CancelReasonOp>())
        {
            _reasons[ReasonName(r.Reason)] = r.Reason;
        }

        int signals = 1 + model.Tasks.SelectMany(t => t.Block.Ops).Select(op => op switch
        {
            WaitOp w => w.Signal,
            SetOp s => s.Signal,
            _ => 0,
        }).DefaultIfEmpty(0).Max();
        _signals = [.. Enumerable.Range(0, signals).Select(_ => new TaskCompletionSource())];
    }

    /// <summary>Runs the program once (one schedule) and checks it against the model.</summary>
    public static async Task RunAsync(CheckedContext ctx, ProgramModel model)
    {
        if (model.Program.UsesFeatures && !ctx.SupportsFeatures)
        {
            throw new InvalidOperationException($"target '{ctx.Target.Name}' cannot run feature operations ({model.Program})");
        }

        var run = new ProgramInterpreter(ctx, model);
        if (model.Program.UsesClock)
        {
            run._clock = ctx.StartClock(Tick);
        }

        await run.RunGroupAsync(model.Groups[0], run._caller.Token, []);
        Task[] outsiders;
        lock (run._outsiders)
        {
            outsiders = [.. run._outsiders, .. run._shields];
        }

        // A correct group has waited for its shields; a broken one is reported by the checker, and
        // its cleanups are waited for here so that no program code runs after the schedule.
        await Quietly(outsiders);
        if (run._clock is not null)
        {
            await run._clock.StopAsync();
        }

        run.SpawnLate();
        run.CheckTasks();
        run.CheckCallerReleased();
    }

    /// <summary>Invariant 9: the outermost group registered on the caller's token (to follow its
    /// cancellation); once it completed, nothing of it may be left there — on a long-lived token, every
    /// leftover is memory that never comes back.</summary>
    private void CheckCallerReleased()
    {
        int left = CallerRegistrations.Count(_caller);
        if (!_caller.IsCancellationRequested && left > 0)
        {
            _ctx.Check(false, 9, $"the outermost group completed but left {left} registration(s) on its caller's token");
        }
    }

    private static async Task Quietly(Task[] tasks)
    {
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (Exception)
        {
            // Their outcomes are the group's (a shield's failure) or nobody's (an outsider's).
        }
    }

    /// <summary>Every group has completed: each <see cref="SpawnLateOp"/> spawns into its group now.
    /// Spawn must throw InvalidOperationException; the checker reports anything else (invariant 8).</summary>
    private void SpawnLate()
    {
        foreach ((IGroupScope scope, TaskNode task) in _lateSpawns)
        {
            _ctx.Log($"{task.Name} spawns into its completed group");
            try
            {
                _ = scope.Spawn(_ => Task.CompletedTask);
            }
            catch (InvalidOperationException)
            {
                // required; a different exception or none is reported by the checker
            }
        }
    }

    private async Task<Task> RunGroupAsync(GroupNode group, CancellationToken callerToken, ImmutableList<IGroupScope> outer)
    {
        var activity = new Activity();
        IFeatureScope? features = null;
        Task run = _features
            ? await _ctx.RunFeatureGroupAsync(
                group.Config.ToOptions(),
                scope =>
                {
                    features = scope;
                    return RunTaskAsync(group.Body, scope.Token, activity, outer.Insert(0, scope));
                },
                callerToken,
                _clock)
            : await _ctx.RunGroupAsync(
                scope => RunTaskAsync(group.Body, scope.Token, activity, outer.Insert(0, scope)),
                callerToken);
        CheckGroup(group, run, features);
        return run;
    }

    /// <summary>Runs one task's operations. Synchronous until its first real await, like user code.
    /// A StartAsync child gets its <c>started</c> callback (null for other tasks).</summary>
    private async Task RunTaskAsync(TaskNode task, CancellationToken ct, Activity activity, ImmutableList<IGroupScope> scopes, Action<int>? started = null)
    {
        _ends[task.Id] = TaskEnd.Faulted; // overwritten below; stays if the code is abandoned mid-way
        try
        {
            ImmutableArray<Op> ops = task.Block.Ops;
            for (int i = 0; i < ops.Length; i++)
            {
                switch (ops[i])
                {
                    case YieldOp:
                        await Task.Yield();
                        ct.ThrowIfCancellationRequested();
                        break;
                    case WaitOp w:
                        await WaitAsync(_signals[w.Signal].Task, ct, activity);
                        ct.ThrowIfCancellationRequested();
                        break;
                    case SetOp s:
                        _signals[s.Signal].TrySetResult();
                        break;
                    case ThrowOp t:
                        throw new PlantedFailureException(FailureName(t.Failure));
                    case ThrowInCleanupOp t:
                        await ThrowInCleanupAsync(t.Failure, ct, activity);
                        break;
                    case CancelOp c:
                        _ctx.Log($"{task.Name} cancels {(c.Levels == 0 ? "its group" : $"the group {c.Levels} level(s) out")}");
                        scopes[c.Levels].Cancel();
                        break;
                    case CancelReasonOp r:
                        _ctx.Log($"{task.Name} cancels its group with reason {ReasonName(r.Reason)}");
                        Features(scopes[0]).Cancel(ReasonName(r.Reason));
                        break;
                    case CancelAfterOp:
                        _ctx.Log($"{task.Name} calls CancelAfter on its group (one tick of the clock)");
                        Features(scopes[0]).CancelAfter(Tick);
                        break;
                    case StartedOp:
                        _ctx.Log($"{task.Name} calls started");
                        _startedCalled[task.Id] = true;
                        started!(task.Id);
                        break;
                    case StartOp:
                        await StartAsync(task.Created[i], scopes, activity);
                        break;
                    case ShieldOp:
                        Shield(task.Created[i], scopes[0]);
                        break;
                    case CancelCallerOp:
                        _ctx.Log($"{task.Name} cancels the caller's token");
                        _caller.Cancel();
                        break;
                    case WaitCanceledOp:
                        await WaitCanceledAsync(ct, activity);
                        break;
                    case WaitLinkedOp:
                        using (var perOperation = CancellationTokenSource.CreateLinkedTokenSource(ct))
                        {
                            await WaitAsync(signal: null, perOperation.Token, activity);
                            perOperation.Token.ThrowIfCancellationRequested();
                        }

                        break;
                    case TimeoutOp t:
                        using (var deadline = new CancellationTokenSource())
                        {
                            deadline.Cancel();
                            throw new PlantedTimeoutException(FailureName(t.Failure), deadline.Token);
                        }

                    case CancelOutsideOp:
                        IGroupScope own = scopes[0];
                        Task outsider = _ctx.StartTask("outsider", async () =>
                        {
                            await _ctx.YieldSomeAsync(2);
                            own.Cancel();
                        });
                        lock (_outsiders)
                        {
                            _outsiders.Add(outsider);
                        }

                        break;
                    case SpawnLateOp:
                        lock (_lateSpawns)
                        {
                            _lateSpawns.Add((scopes[0], task));
                        }

                        break;
                    case SpawnOp s:
                        Spawn(task.Created[i], s.Value, scopes, activity);
                        break;
                    case GroupOp:
                        Task nested = await RunGroupAsync(task.Nested[i], ct, scopes);
                        await nested; // its failure or cancellation ends this task, as in user code
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The second own-signal rule: any cancellation while the token is cancelled is the signal.
            _ends[task.Id] = TaskEnd.Canceled;
            throw;
        }
        catch (Exception)
        {
            _ends[task.Id] = TaskEnd.Faulted;
            throw;
        }
        finally
        {
            activity.Leave();
        }

        _ends[task.Id] = TaskEnd.RanToCompletion;
    }

    private void Spawn(TaskNode child, int? value, ImmutableList<IGroupScope> scopes, Activity activity)
    {
        IGroupScope scope = scopes[0];

        // A child of a limited group may wait in the queue: it counts as active only once it runs, so
        // that running children waiting for what a queued one would do still wake when the rest is idle.
        bool mayQueue = child.Group.Config.Limit is not null;
        if (!mayQueue)
        {
            activity.Enter(); // before Spawn: the child may run inline and leave before Spawn returns
        }

        Task Run(CancellationToken ct)
        {
            if (mayQueue)
            {
                activity.Enter();
            }

            return RunTaskAsync(child, ct, activity, scopes);
        }

        try
        {
            if (value is int v)
            {
                Task<int> task = scope.Spawn(async ct =>
                {
                    await Run(ct);
                    return v;
                });
                lock (_values)
                {
                    _values.Add((task, v, child));
                }
            }
            else
            {
                _ = scope.Spawn(Run);
            }
        }
        catch
        {
            if (_ends[child.Id] == TaskEnd.NotRun && !mayQueue)
            {
                activity.Leave();
            }

            throw;
        }
    }

    /// <summary>Runs a StartAsync child and awaits the handshake; StartAsync's outcome (value, failure,
    /// InvalidOperationException, cancellation) is caught here and checked at the end.</summary>
    private async Task StartAsync(TaskNode child, ImmutableList<IGroupScope> scopes, Activity activity)
    {
        IFeatureScope scope = Features(scopes[0]);
        activity.Enter(); // the child, before StartAsync: it runs at once and may leave before it returns
        Task<int> start;
        try
        {
            start = scope.StartAsync<int>((started, ct) => RunTaskAsync(child, ct, activity, scopes, started));
        }
        catch
        {
            if (_ends[child.Id] == TaskEnd.NotRun)
            {
                activity.Leave();
            }

            throw;
        }

        lock (_starts)
        {
            _starts.Add((start, child));
        }

        // Waiting for the handshake is waiting like a wait: the child's waits wake once the rest is idle.
        activity.Leave();
        try
        {
            await start;
        }
        catch (Exception)
        {
            // StartAsync's outcome, not this task's: checked in CheckTasks.
        }
        finally
        {
            activity.Enter();
        }
    }

    /// <summary>Starts a shielded cleanup, not awaited: the group must wait for it.</summary>
    private void Shield(TaskNode cleanup, IGroupScope scope)
    {
        TimeSpan startedAt = _clock!.Elapsed;
        _ctx.Log($"{cleanup.Name} starts");
        Task shield = Features(scope).ShieldAsync(shielded => RunShieldAsync(cleanup, shielded, startedAt), ShieldOp.GracePeriod);
        lock (_outsiders)
        {
            _shields.Add(shield);
        }
    }

    /// <summary>A shielded cleanup's operations; its yields are no cancellation points (its token is not the group's).</summary>
    private async Task RunShieldAsync(TaskNode task, CancellationToken shielded, TimeSpan startedAt)
    {
        _ends[task.Id] = TaskEnd.Faulted; // stays if it throws or is abandoned
        foreach (Op op in task.Block.Ops)
        {
            switch (op)
            {
                case YieldOp:
                    await Task.Yield();
                    break;
                case SetOp s:
                    _signals[s.Signal].TrySetResult();
                    break;
                case ThrowOp t:
                    throw new PlantedFailureException(FailureName(t.Failure));
                case WaitGraceOp:
                    await UntilCancelledAsync(shielded);
                    TimeSpan waited = _clock!.Elapsed - startedAt;
                    _ctx.CheckFeature(waited >= ShieldOp.GracePeriod, FeatureRule.Shield,
                        $"{task.Name}'s shielded token was cancelled {waited.TotalSeconds} s after it started, before its grace period of {ShieldOp.GracePeriod.TotalSeconds} s");
                    break;
            }
        }

        _ends[task.Id] = TaskEnd.RanToCompletion;
    }

    /// <summary>Returns once <paramref name="token"/> is cancelled (a registration: Coyote's delays do not wake on cancellation).</summary>
    private static async Task UntilCancelledAsync(CancellationToken token)
    {
        var woken = new TaskCompletionSource();
        CancellationTokenRegistration registration = token.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), woken);
        try
        {
            await woken.Task;
        }
        finally
        {
            registration.Unregister(); // not Dispose: it may block on a callback running on another task
        }
    }

    private static IFeatureScope Features(IGroupScope scope) =>
        scope as IFeatureScope ?? throw new InvalidOperationException("a feature operation ran in a group of a target without features");

    internal static string ReasonName(int reason) => $"r{reason}";

    private static async Task ThrowInCleanupAsync(int failure, CancellationToken ct, Activity activity)
    {
        try
        {
            await WaitAsync(signal: null, ct, activity);
        }
        finally
        {
            await Task.Yield(); // cleanup that awaits
#pragma warning disable CA2219 // throwing from finally during cancellation is the operation's point
            throw new PlantedFailureException(FailureName(failure));
#pragma warning restore CA2219
        }
    }

    /// <summary>Waits until <paramref name="signal"/> completes, <paramref name="ct"/> is cancelled, or
    /// every task of the group is waiting or done. Task.Delay would not wake on cancellation under
    /// Coyote: a registration completes a TaskCompletionSource instead.</summary>
    private static async Task WaitAsync(Task? signal, CancellationToken ct, Activity activity)
    {
        if (signal?.IsCompleted == true || ct.IsCancellationRequested || activity.Idle.IsCompleted)
        {
            return;
        }

        var cancelled = new TaskCompletionSource();
        CancellationTokenRegistration registration = ct.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), cancelled);
        activity.Leave();
        try
        {
            Task[] wakers = signal is null ? [cancelled.Task, activity.Idle] : [signal, cancelled.Task, activity.Idle];
            await Task.WhenAny(wakers);
        }
        finally
        {
            // Unregister, not Dispose: Dispose may block on a callback running on another task.
            registration.Unregister();
            activity.Enter();
        }
    }

    /// <summary>Waits like <see cref="WaitAsync"/>, on a TaskCompletionSource that the token's
    /// registration cancels with <c>TrySetCanceled()</c> (no token); rethrows that cancellation.</summary>
    private static async Task WaitCanceledAsync(CancellationToken ct, Activity activity)
    {
        var pending = new TaskCompletionSource();
        if (ct.IsCancellationRequested)
        {
            pending.TrySetCanceled();
        }

        CancellationTokenRegistration registration = ct.Register(static s => ((TaskCompletionSource)s!).TrySetCanceled(), pending);
        try
        {
            if (!pending.Task.IsCompleted && !activity.Idle.IsCompleted)
            {
                activity.Leave();
                try
                {
                    Task[] wakers = [pending.Task, activity.Idle]; // an array: the span overload is not controlled
                    await Task.WhenAny(wakers);
                }
                finally
                {
                    activity.Enter();
                }
            }
        }
        finally
        {
            registration.Unregister();
        }

        if (pending.Task.IsCanceled)
        {
            await pending.Task; // TaskCanceledException without a token
        }
    }

    internal static string FailureName(int failure) => failure < 0 ? $"the timeout of group {-failure}" : $"f{failure}";

    // ---------------------------------------------------------------------------------------------
    // Model checks.
    // ---------------------------------------------------------------------------------------------

    private void CheckGroup(GroupNode group, Task run, IFeatureScope? features)
    {
        GroupExpectation expected = _model.GroupExpectations[group.Id];
        string name = group.Id == 0 ? "the outermost group" : $"group {group.Id}";
        if (features?.CancellationReason is { } reason && _reasons.TryGetValue(reason, out int r) && !_model.AllowedReasons[group.Id].Contains(r))
        {
            Violated($"{name}'s CancellationReason is {reason}, which cannot have been the first cause (the model allows {Describe(_model.AllowedReasons[group.Id].Select(ReasonName))})");
            return;
        }

        if (run.IsFaulted && run.Exception!.InnerExceptions is [TimeoutException timeout])
        {
            if (!expected.MayTimeOut)
            {
                Violated($"{name} ended with TimeoutException; the model allows {Describe(expected.Statuses)}{(group.Config.Deadline ? string.Empty : " (it has no deadline)")}");
                return;
            }

            lock (_timeouts)
            {
                _timeouts[timeout] = group;
            }

            return;
        }

        if (!expected.Statuses.Contains(run.Status))
        {
            Violated($"{name} ended {run.Status}; the model allows {Describe(expected.Statuses)}");
            return;
        }

        if (!run.IsFaulted)
        {
            return;
        }

        var seen = new SortedSet<int>();
        var foreign = new List<string>();
        lock (_timeouts)
        {
            Collect(run.Exception!, seen, foreign);
        }

        if (foreign.Count > 0)
        {
            Violated($"{name} failed with {string.Join(", ", foreign)}, which the program never throws");
        }
        else if (expected.MustFailures.Except(seen).Order().ToList() is { Count: > 0 } lost)
        {
            Violated($"{name} lost failure(s) {string.Join(", ", lost.Select(FailureName))} (it reported {Describe(seen)})");
        }
        else if (seen.Except(expected.MayFailures).ToList() is { Count: > 0 } extra)
        {
            Violated($"{name} reported failure(s) {string.Join(", ", extra.Select(FailureName))} that cannot happen");
        }
    }

    private void CheckTasks()
    {
        foreach (TaskNode task in _model.Tasks)
        {
            IReadOnlySet<TaskEnd> allowed = _model.TaskExpectations[task.Id];
            if (!allowed.Contains(_ends[task.Id]))
            {
                Violated($"{task.Name} ended {_ends[task.Id]}; the model allows {Describe(allowed)}");
                return;
            }
        }

        foreach ((Task<int> start, TaskNode child) in _starts)
        {
            if (StartMismatch(start, child) is { } mismatch)
            {
                Violated($"{child.Name} {mismatch}");
                return;
            }
        }

        foreach ((Task<int> task, int value, TaskNode child) in _values)
        {
            if (task.Status == TaskStatus.RanToCompletion && task.Result != value)
            {
                Violated($"{child.Name} returned {value} but its Spawn<int> task holds {task.Result}");
                return;
            }

            if (task.IsCompleted && !task.IsFaulted && !task.IsCanceled && _ends[child.Id] != TaskEnd.RanToCompletion)
            {
                Violated($"{child.Name} ended {_ends[child.Id]} but its Spawn<int> task ran to completion");
                return;
            }
        }
    }

    /// <summary>What is wrong with StartAsync's outcome, given what its child did; null if nothing.</summary>
    private string? StartMismatch(Task<int> start, TaskNode child)
    {
        if (!start.IsCompleted)
        {
            return "ran in a group that completed, but its StartAsync task never completed";
        }

        if (_startedCalled[child.Id])
        {
            return start.Status == TaskStatus.RanToCompletion && start.Result == child.Id
                ? null
                : $"called started({child.Id}) but StartAsync ended {start.Status}{(start.IsFaulted ? $" with {start.Exception!.InnerException!.GetType().Name}" : string.Empty)}";
        }

        bool ok = _ends[child.Id] switch
        {
            TaskEnd.Faulted => start.IsFaulted && start.Exception!.InnerExceptions.All(e => e is PlantedFailureException),
            TaskEnd.Canceled => start.IsCanceled,
            TaskEnd.RanToCompletion => start.IsFaulted && start.Exception!.InnerExceptions is [InvalidOperationException],
            _ => false,
        };
        return ok ? null : $"ended {_ends[child.Id]} before started, but StartAsync ended {start.Status}{(start.IsFaulted ? $" with {start.Exception!.InnerException!.GetType().Name}" : string.Empty)}";
    }

    private void Collect(Exception exception, SortedSet<int> seen, List<string> foreign)
    {
        switch (exception)
        {
            case AggregateException aggregate:
                foreach (Exception inner in aggregate.InnerExceptions)
                {
                    Collect(inner, seen, foreign);
                }

                break;
            case PlantedFailureException planted when planted.Message.StartsWith('f')
                && int.TryParse(planted.Message.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int id):
                seen.Add(id);
                break;
            case PlantedTimeoutException timeout when timeout.Message.StartsWith('f')
                && int.TryParse(timeout.Message.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int timeoutId):
                seen.Add(timeoutId);
                break;
            case TimeoutException when _timeouts.TryGetValue(exception, out GroupNode? timedOut):
                seen.Add(ProgramModel.TimeoutFailure(timedOut));
                break;
            default:
                foreign.Add(exception.GetType().Name);
                break;
        }
    }

    private static string Describe<T>(IEnumerable<T> values)
    {
        var list = values.Select(v => v is int i ? FailureName(i) : v!.ToString()!).Order(StringComparer.Ordinal).ToList();
        return list.Count == 0 ? "nothing" : string.Join(", ", list);
    }

    private void Violated(string detail)
    {
        string message = $"model violated: {detail}";
        _ctx.Log(message, TimelineEntryKind.Violation);
        Specification.Assert(false, "{0}", message);
    }

    /// <summary>How many tasks of a group are running and not waiting; when it reaches 0 the group is
    /// idle, and every wait in it returns (for good).</summary>
    private sealed class Activity
    {
        private readonly TaskCompletionSource _idle = new();
        private int _active = 1; // the body

        public Task Idle => _idle.Task;

        public void Enter() => Interlocked.Increment(ref _active);

        public void Leave()
        {
            if (Interlocked.Decrement(ref _active) == 0)
            {
                _idle.TrySetResult();
            }
        }
    }
}
