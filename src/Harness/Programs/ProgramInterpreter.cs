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
    private readonly CheckedContext _ctx;
    private readonly ProgramModel _model;
    private readonly TaskEnd[] _ends;
    private readonly TaskCompletionSource[] _signals;
    private readonly CancellationTokenSource _caller = new();
    private readonly List<(Task<int> Task, int Value, TaskNode Child)> _values = [];
    private readonly List<Task> _outsiders = [];
    private readonly List<(IGroupScope Scope, TaskNode Task)> _lateSpawns = [];

    private ProgramInterpreter(CheckedContext ctx, ProgramModel model)
    {
        _ctx = ctx;
        _model = model;
        _ends = new TaskEnd[model.Tasks.Count];
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
        var run = new ProgramInterpreter(ctx, model);
        await run.RunGroupAsync(model.Groups[0], run._caller.Token, []);
        Task[] outsiders;
        lock (run._outsiders)
        {
            outsiders = [.. run._outsiders];
        }

        await Task.WhenAll(outsiders);
        run.SpawnLate();
        run.CheckTasks();
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
        Task run = await _ctx.RunGroupAsync(
            scope => RunTaskAsync(group.Body, scope.Token, activity, outer.Insert(0, scope)),
            callerToken);
        CheckGroup(group, run);
        return run;
    }

    /// <summary>Runs one task's operations. Synchronous until its first real await, like user code.</summary>
    private async Task RunTaskAsync(TaskNode task, CancellationToken ct, Activity activity, ImmutableList<IGroupScope> scopes)
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
        activity.Enter(); // before Spawn: the child may run inline and leave before Spawn returns
        try
        {
            if (value is int v)
            {
                Task<int> task = scope.Spawn(async ct =>
                {
                    await RunTaskAsync(child, ct, activity, scopes);
                    return v;
                });
                lock (_values)
                {
                    _values.Add((task, v, child));
                }
            }
            else
            {
                _ = scope.Spawn(ct => RunTaskAsync(child, ct, activity, scopes));
            }
        }
        catch
        {
            if (_ends[child.Id] == TaskEnd.NotRun)
            {
                activity.Leave();
            }

            throw;
        }
    }

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

    internal static string FailureName(int failure) => $"f{failure}";

    // ---------------------------------------------------------------------------------------------
    // Model checks.
    // ---------------------------------------------------------------------------------------------

    private void CheckGroup(GroupNode group, Task run)
    {
        GroupExpectation expected = _model.GroupExpectations[group.Id];
        string name = group.Id == 0 ? "the outermost group" : $"group {group.Id}";
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
        Collect(run.Exception!, seen, foreign);
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

    private static void Collect(Exception exception, SortedSet<int> seen, List<string> foreign)
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
