namespace TaskGroups.Harness.Programs;

/// <summary>
/// The reference model: a pure function from a program to the outcomes the spec allows, decided
/// from the program's structure alone. Where the schedule decides, it allows every outcome some
/// schedule could produce; where it cannot tell, it allows more (a false alarm on a correct group
/// would be a defect of the model, so it errs towards allowing).
/// </summary>
/// <remarks>
/// <para>What a correct group guarantees, and the model relies on: a failure (a thrown planted
/// exception, or a nested group's exception rethrown by the task that awaited it) always reaches the
/// outermost group's exception; a task stops early only at a cancellation point (yield, wait, a
/// nested group that ended Canceled) while its token is cancelled, or by throwing; a spawned child
/// runs unless its group may already be cancelled (the spec allows not starting it then); a group
/// ends Faulted exactly when a failure occurred inside it, else Canceled when its caller's token was
/// cancelled before it completed, else RanToCompletion.</para>
/// <para>"May be cancelled at a point" is over-approximated: any cancel source that may run and is not
/// ordered after the point by program structure (later in the same task, or created by a later
/// operation of it) counts. A failure anywhere may cancel every group (it propagates outwards, and
/// the outer group's cancellation reaches every nested group).</para>
/// </remarks>
public sealed class ProgramModel
{
    private readonly List<TaskNode> _tasks = [];
    private readonly List<GroupNode> _groups = [];
    private readonly Dictionary<(int Task, int Index), bool> _mayReach = [];
    private readonly Dictionary<(int Task, int Index), bool> _mustReach = [];

    /// <summary>Every may-run cancel source: the operation (null task for a deadline, which can fire at any
    /// moment), and which groups' tokens it may cancel.</summary>
    private readonly List<Source> _sources = [];

    private ProgramModel(TaskProgram program)
    {
        Program = program;
        var root = new GroupNode(0, parent: null, GroupConfig.None);
        _groups.Add(root);
        AddTask(root, program.Root, origin: null, originIndex: -1, TaskKind.Body);
        foreach (GroupNode group in _groups.Where(g => g.Config.Deadline))
        {
            _sources.Add(new Source(null, -1, group.Contains));
        }

        foreach (TaskNode task in _tasks)
        {
            for (int i = 0; i < task.Block.Ops.Length; i++)
            {
                if (!MayReach(task, i))
                {
                    continue;
                }

                switch (task.Block.Ops[i])
                {
                    case ThrowOp or ThrowInCleanupOp or TimeoutOp when IsGroupFailure(task, i):
                        _sources.Add(new Source(task, i, FailureCancels(task)));
                        break;
                    case GroupOp { Config.Deadline: true }:
                        // The nested group may time out: its TimeoutException is this task's failure.
                        _sources.Add(new Source(task, i, FailureCancels(task)));
                        break;
                    case CancelCallerOp:
                        _sources.Add(new Source(task, i, _ => true));
                        break;
                    case CancelOp c:
                        _sources.Add(new Source(task, i, task.Group.Outer(c.Levels).Contains));
                        break;
                    case CancelOutsideOp or CancelReasonOp or CancelAfterOp:
                        // CancelAfter: from the call on, the clock may fire it at any moment (or never).
                        _sources.Add(new Source(task, i, task.Group.Contains));
                        break;
                }
            }
        }

        GroupExpectations = [.. _groups.Select(Expect)];
        AllowedReasons = [.. _groups.Select(Reasons)];
        TaskExpectations = [.. _tasks.Select(Expect)];
    }

    /// <summary>What the spec allows for each group, by <see cref="GroupNode.Id"/>.</summary>
    public IReadOnlyList<GroupExpectation> GroupExpectations { get; }

    /// <summary>How the spec allows each task to end, by <see cref="TaskNode.Id"/>.</summary>
    public IReadOnlyList<IReadOnlySet<TaskEnd>> TaskExpectations { get; }

    /// <summary>For each group (by <see cref="GroupNode.Id"/>), the cancel reasons (<see cref="CancelReasonOp.Reason"/>)
    /// that can have been the first cause of its cancellation: a reason whose call always follows another
    /// own-group cancel that has returned (so the token was already cancelled) cannot.</summary>
    public IReadOnlyList<IReadOnlySet<int>> AllowedReasons { get; }

    /// <summary>The program.</summary>
    public TaskProgram Program { get; }

    /// <summary>Every task, in program order (task 0 is the outermost body).</summary>
    public IReadOnlyList<TaskNode> Tasks => _tasks;

    /// <summary>Every group, in program order (group 0 is the outermost).</summary>
    public IReadOnlyList<GroupNode> Groups => _groups;

    /// <summary>Analyses <paramref name="program"/>.</summary>
    public static ProgramModel Of(TaskProgram program) => new(program);

    private TaskNode AddTask(GroupNode group, Block block, TaskNode? origin, int originIndex, TaskKind kind)
    {
        var task = new TaskNode(_tasks.Count, group, block, origin, originIndex, kind);
        _tasks.Add(task);
        group.Tasks.Add(task);
        if (kind == TaskKind.Body)
        {
            group.Body = task;
        }

        for (int i = 0; i < block.Ops.Length; i++)
        {
            switch (block.Ops[i])
            {
                case SpawnOp s:
                    task.Created[i] = AddTask(group, s.Child, task, i, TaskKind.Child);
                    break;
                case StartOp s:
                    task.Created[i] = AddTask(group, s.Child, task, i, TaskKind.Started);
                    break;
                case ShieldOp s:
                    task.Created[i] = AddTask(group, s.Cleanup, task, i, TaskKind.Shield);
                    break;
                case GroupOp g:
                    var nested = new GroupNode(_groups.Count, group, g.Config);
                    _groups.Add(nested);
                    task.Nested[i] = nested;
                    task.Created[i] = AddTask(nested, g.Body, task, i, TaskKind.Body);
                    break;
            }
        }

        return task;
    }

    /// <summary>A cancel source: the operation (null task for a deadline) and the groups it may cancel.</summary>
    private sealed record Source(TaskNode? Task, int Index, Func<GroupNode, bool> Cancels);

    /// <summary>Whether a throw at (<paramref name="task"/>, <paramref name="index"/>) is a failure of the
    /// group: not when it ends a StartAsync child before <c>started</c> (then it is StartAsync's).</summary>
    public static bool IsGroupFailure(TaskNode task, int index) =>
        task.Kind != TaskKind.Started || task.Block.Ops.Take(index).Any(op => op is StartedOp);

    /// <summary>
    /// Which groups a failure of <paramref name="task"/> may cancel. Fail-fast, its group and everything
    /// nested in it; a supervised group (FailFast = false) is cancelled only by its body's failure. Either
    /// way the failure reaches the enclosing group once the group completed (the task that awaited it
    /// rethrows it), and so on outwards; at that level only what is outside the completed group is left.
    /// </summary>
    private static Func<GroupNode, bool> FailureCancels(TaskNode task)
    {
        var cancelled = new List<(GroupNode Group, GroupNode? Completed)>();
        GroupNode? completed = null;
        for (TaskNode? failing = task; failing is not null;)
        {
            GroupNode group = failing.Group;
            if (!group.Config.Supervise || failing.Kind == TaskKind.Body)
            {
                cancelled.Add((group, completed));
            }

            completed = group;
            failing = group.Body.Origin;
        }

        return h => cancelled.Any(c => c.Group.Contains(h) && (c.Completed is null || !c.Completed.Contains(h)));
    }

    // ---------------------------------------------------------------------------------------------
    // Reachability.
    // ---------------------------------------------------------------------------------------------

    /// <summary>Whether some schedule reaches operation <paramref name="index"/> of <paramref name="task"/>.</summary>
    public bool MayReach(TaskNode task, int index)
    {
        if (_mayReach.TryGetValue((task.Id, index), out bool known))
        {
            return known;
        }

        bool result = MayStart(task);
        for (int j = 0; result && j < index; j++)
        {
            result = task.Block.Ops[j] is not (ThrowOp or ThrowInCleanupOp or TimeoutOp);
        }

        _mayReach[(task.Id, index)] = result;
        return result;
    }

    /// <summary>Whether some schedule runs <paramref name="task"/>'s code.</summary>
    public bool MayStart(TaskNode task) => task.Origin is null || MayReach(task.Origin, task.OriginIndex);

    /// <summary>Whether every schedule runs <paramref name="task"/>'s code.</summary>
    public bool MustStart(TaskNode task)
    {
        if (task.Origin is null)
        {
            return true;
        }

        // A group may decline to start a child spawned after it was cancelled; a body, a StartAsync child
        // and a shielded cleanup always run. With a limit, a child may wait in the queue until later:
        // whatever may cancel the group before the child's own first step counts.
        return MustReach(task.Origin, task.OriginIndex)
            && (task.Kind != TaskKind.Child
                || !(task.Group.Config.Limit is not null ? MayBeCancelledAt(task, 0) : MayBeCancelledAt(task.Origin, task.OriginIndex)));
    }

    /// <summary>Whether every schedule reaches operation <paramref name="index"/> of <paramref name="task"/>.</summary>
    public bool MustReach(TaskNode task, int index)
    {
        if (_mustReach.TryGetValue((task.Id, index), out bool known))
        {
            return known;
        }

        bool result = MustStart(task);
        for (int j = 0; result && j < index; j++)
        {
            result = !MayExitAt(task, j);
        }

        _mustReach[(task.Id, index)] = result;
        return result;
    }

    /// <summary>Whether the task may end at operation <paramref name="index"/> if it reaches it.</summary>
    private bool MayExitAt(TaskNode task, int index) => task.Block.Ops[index] switch
    {
        ThrowOp or ThrowInCleanupOp or TimeoutOp => true,
        YieldOp or WaitOp or WaitCanceledOp or WaitLinkedOp => MayBeCancelledAt(task, index),
        GroupOp g => MayFault(task.Nested[index]) || g.Config.Deadline || MayBeCancelledAt(task, index + 1),
        _ => false,
    };

    // ---------------------------------------------------------------------------------------------
    // Cancellation.
    // ---------------------------------------------------------------------------------------------

    /// <summary>
    /// Whether <paramref name="task"/>'s token may be cancelled when it is at operation
    /// <paramref name="index"/>: some cancel source that may run, affects its group and is not ordered
    /// after that point.
    /// </summary>
    /// <remarks>A shielded cleanup's token is never the group's: it is never cancelled by a source (its grace
    /// period is not a cancellation point of the program either: its yields ignore it).</remarks>
    public bool MayBeCancelledAt(TaskNode task, int index) =>
        task.Kind != TaskKind.Shield
        && _sources.Any(s => s.Cancels(task.Group) && (s.Task is null || !IsAfter(s.Task, s.Index, task, index)));

    /// <summary>Whether operation (<paramref name="task"/>, <paramref name="index"/>) runs, in every
    /// schedule, only after <paramref name="point"/> has reached <paramref name="pointIndex"/>: it is
    /// later in the same task, or in a task created by a later operation of it.</summary>
    private static bool IsAfter(TaskNode task, int index, TaskNode point, int pointIndex)
    {
        for (TaskNode? t = task; t is not null; index = t.OriginIndex, t = t.Origin)
        {
            if (t == point)
            {
                return index >= pointIndex;
            }
        }

        return false;
    }

    // ---------------------------------------------------------------------------------------------
    // Outcomes.
    // ---------------------------------------------------------------------------------------------

    /// <summary>A failure that may reach a group: a planted one (a positive id) or a nested group's
    /// TimeoutException (the negated group id), with whether some / every schedule reports it.</summary>
    private sealed record Failure(int Id, bool May, bool Must);

    /// <summary>The failure id of group <paramref name="group"/>'s TimeoutException, as the parent sees it.</summary>
    public static int TimeoutFailure(GroupNode group) => -group.Id;

    private IEnumerable<Failure> FailuresIn(GroupNode group)
    {
        foreach (TaskNode t in _tasks.Where(t => group.Contains(t.Group)))
        {
            for (int i = 0; i < t.Block.Ops.Length; i++)
            {
                Op op = t.Block.Ops[i];
                int? id = op switch
                {
                    ThrowOp th => th.Failure,
                    TimeoutOp to => to.Failure,
                    ThrowInCleanupOp tc => tc.Failure,
                    _ => null,
                };
                if (id is int failure && IsGroupFailure(t, i))
                {
                    yield return new Failure(failure, MayReach(t, i), MustReach(t, i) && MustReport(t, i));
                }
                else if (op is GroupOp { Config.Deadline: true })
                {
                    // Strictly inside the group (its parent, t's group, is inside): its timeout is a failure here.
                    GroupNode nested = t.Nested[i];
                    yield return new Failure(TimeoutFailure(nested), MayReach(t, i) && MayTimeOut(nested), Must: false);
                }
            }
        }
    }

    /// <summary>Whether a failure must be reported when its operation is reached: a private timeout
    /// may be absorbed when it races the group's own cancellation (the spec's accepted race).</summary>
    private bool MustReport(TaskNode task, int index) =>
        task.Block.Ops[index] is not TimeoutOp || !MayBeCancelledAt(task, index);

    /// <summary>Whether some schedule has a failure inside <paramref name="group"/>.</summary>
    public bool MayFault(GroupNode group) => FailuresIn(group).Any(f => f.May);

    /// <summary>Whether every schedule has a failure inside <paramref name="group"/>.</summary>
    public bool MustFault(GroupNode group) => FailuresIn(group).Any(f => f.Must);

    /// <summary>Whether the group may end with a TimeoutException: it has a deadline (which the clock may
    /// fire first at almost any moment), no failure is certain, and its caller's cancellation is not.</summary>
    public bool MayTimeOut(GroupNode group) => group.Config.Deadline && !MustFault(group) && !CallerMustCancel(group);

    /// <summary>Whether the group's caller token may be cancelled before it completes.</summary>
    private bool CallerMayCancel(GroupNode group)
    {
        if (group.Parent is null)
        {
            return _sources.Any(s => s.Task?.Block.Ops[s.Index] is CancelCallerOp);
        }

        TaskNode body = group.Body;
        return MayBeCancelledAt(body.Origin!, body.OriginIndex + 1);
    }

    /// <summary>Whether, in every schedule, something inside the group cancels its caller's token (or
    /// one further out) before the group can complete.</summary>
    private bool CallerMustCancel(GroupNode group) =>
        _tasks.Where(t => group.Contains(t.Group)).Any(t => Enumerable.Range(0, t.Block.Ops.Length).Any(i =>
            MustReach(t, i) && t.Block.Ops[i] switch
            {
                CancelCallerOp => true,
                CancelOp c => !group.Contains(t.Group.Outer(c.Levels)),
                _ => false,
            }));

    /// <summary>What the spec allows for <paramref name="group"/>.</summary>
    public GroupExpectation Expect(GroupNode group)
    {
        var statuses = new HashSet<TaskStatus>();
        bool mustFault = MustFault(group);
        bool mayTimeOut = MayTimeOut(group);
        if (MayFault(group) || mayTimeOut)
        {
            statuses.Add(TaskStatus.Faulted);
        }

        if (!mustFault && CallerMayCancel(group))
        {
            statuses.Add(TaskStatus.Canceled);
        }

        if (!mustFault && !CallerMustCancel(group))
        {
            statuses.Add(TaskStatus.RanToCompletion);
        }

        var failures = FailuresIn(group).ToList();
        return new GroupExpectation(
            statuses,
            failures.Where(f => f.Must).Select(f => f.Id).ToHashSet(),
            failures.Where(f => f.May).Select(f => f.Id).ToHashSet())
        {
            MayTimeOut = mayTimeOut,
        };
    }

    /// <summary>The reasons that can be <paramref name="group"/>'s first cause (<see cref="AllowedReasons"/>).</summary>
    private IReadOnlySet<int> Reasons(GroupNode group)
    {
        // Own-group cancels: when one has returned, the group's token is cancelled (invariant 7).
        var cancels = group.Tasks
            .SelectMany(t => Enumerable.Range(0, t.Block.Ops.Length)
                .Where(i => t.Block.Ops[i] is CancelReasonOp || (t.Block.Ops[i] is CancelOp c && t.Group.Outer(c.Levels) == group))
                .Select(i => (Task: t, Index: i)))
            .ToList();
        return cancels
            .Where(r => r.Task.Block.Ops[r.Index] is CancelReasonOp && MayReach(r.Task, r.Index))
            .Where(r => !cancels.Any(o => o != r && IsAfter(r.Task, r.Index, o.Task, o.Index + 1)))
            .Select(r => ((CancelReasonOp)r.Task.Block.Ops[r.Index]).Reason)
            .ToHashSet();
    }

    /// <summary>How the spec allows <paramref name="task"/> to end.</summary>
    public IReadOnlySet<TaskEnd> Expect(TaskNode task)
    {
        var ends = new HashSet<TaskEnd>();
        if (!MustStart(task))
        {
            ends.Add(TaskEnd.NotRun);
        }

        if (!MayStart(task))
        {
            return ends;
        }

        var ops = task.Block.Ops;
        bool completes = true;
        for (int i = 0; i < ops.Length; i++)
        {
            bool reach = MayReach(task, i);
            switch (ops[i])
            {
                case ThrowOp or ThrowInCleanupOp:
                    completes = false;
                    if (reach)
                    {
                        ends.Add(TaskEnd.Faulted);
                    }

                    break;
                case TimeoutOp:
                    completes = false;
                    if (reach)
                    {
                        ends.Add(TaskEnd.Faulted);
                        if (MayBeCancelledAt(task, i))
                        {
                            ends.Add(TaskEnd.Canceled); // thrown once the token was cancelled: the group's signal
                        }
                    }

                    break;
                case YieldOp or WaitOp or WaitCanceledOp or WaitLinkedOp:
                    if (reach && MayBeCancelledAt(task, i))
                    {
                        ends.Add(TaskEnd.Canceled);
                    }

                    break;
                case GroupOp:
                    GroupExpectation nested = Expect(task.Nested[i]);
                    completes &= nested.Statuses.Contains(TaskStatus.RanToCompletion);
                    if (reach && nested.Statuses.Contains(TaskStatus.Faulted))
                    {
                        ends.Add(TaskEnd.Faulted);
                    }

                    if (reach && nested.Statuses.Contains(TaskStatus.Canceled))
                    {
                        ends.Add(TaskEnd.Canceled);
                    }

                    break;
            }
        }

        if (completes)
        {
            ends.Add(TaskEnd.RanToCompletion);
        }

        return ends;
    }
}
