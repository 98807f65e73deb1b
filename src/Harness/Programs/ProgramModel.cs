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

    /// <summary>Every may-run cancel source: (task, op index, the group it cancels, or null for all).</summary>
    private readonly List<(TaskNode Task, int Index, GroupNode? Cancels)> _sources = [];

    private ProgramModel(TaskProgram program)
    {
        Program = program;
        var root = new GroupNode(0, parent: null);
        _groups.Add(root);
        AddTask(root, program.Root, origin: null, originIndex: -1, isBody: true);
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
                    case ThrowOp or ThrowInCleanupOp or TimeoutOp or CancelCallerOp:
                        _sources.Add((task, i, null));
                        break;
                    case CancelOp c:
                        _sources.Add((task, i, task.Group.Outer(c.Levels)));
                        break;
                    case CancelOutsideOp:
                        _sources.Add((task, i, task.Group));
                        break;
                }
            }
        }

        GroupExpectations = [.. _groups.Select(Expect)];
        TaskExpectations = [.. _tasks.Select(Expect)];
    }

    /// <summary>What the spec allows for each group, by <see cref="GroupNode.Id"/>.</summary>
    public IReadOnlyList<GroupExpectation> GroupExpectations { get; }

    /// <summary>How the spec allows each task to end, by <see cref="TaskNode.Id"/>.</summary>
    public IReadOnlyList<IReadOnlySet<TaskEnd>> TaskExpectations { get; }

    /// <summary>The program.</summary>
    public TaskProgram Program { get; }

    /// <summary>Every task, in program order (task 0 is the outermost body).</summary>
    public IReadOnlyList<TaskNode> Tasks => _tasks;

    /// <summary>Every group, in program order (group 0 is the outermost).</summary>
    public IReadOnlyList<GroupNode> Groups => _groups;

    /// <summary>Analyses <paramref name="program"/>.</summary>
    public static ProgramModel Of(TaskProgram program) => new(program);

    private TaskNode AddTask(GroupNode group, Block block, TaskNode? origin, int originIndex, bool isBody)
    {
        var task = new TaskNode(_tasks.Count, group, block, origin, originIndex);
        _tasks.Add(task);
        group.Tasks.Add(task);
        if (isBody)
        {
            group.Body = task;
        }

        for (int i = 0; i < block.Ops.Length; i++)
        {
            switch (block.Ops[i])
            {
                case SpawnOp s:
                    task.Created[i] = AddTask(group, s.Child, task, i, isBody: false);
                    break;
                case GroupOp g:
                    var nested = new GroupNode(_groups.Count, group);
                    _groups.Add(nested);
                    task.Nested[i] = nested;
                    task.Created[i] = AddTask(nested, g.Body, task, i, isBody: true);
                    break;
            }
        }

        return task;
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

        // A group may decline to start a child spawned after it was cancelled; a body always runs.
        return MustReach(task.Origin, task.OriginIndex)
            && (task.IsBody || !MayBeCancelledAt(task.Origin, task.OriginIndex));
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
        GroupOp => MayFault(task.Nested[index]) || MayBeCancelledAt(task, index + 1),
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
    public bool MayBeCancelledAt(TaskNode task, int index) =>
        _sources.Any(s => (s.Cancels is null || s.Cancels.Contains(task.Group)) && !IsAfter(s.Task, s.Index, task, index));

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

    private IEnumerable<(TaskNode Task, int Index, int Failure)> FailuresIn(GroupNode group) =>
        from t in _tasks
        where @group.Contains(t.Group)
        from i in Enumerable.Range(0, t.Block.Ops.Length)
        let op = t.Block.Ops[i]
        where op is ThrowOp or ThrowInCleanupOp or TimeoutOp
        select (t, i, op switch
        {
            ThrowOp th => th.Failure,
            TimeoutOp to => to.Failure,
            _ => ((ThrowInCleanupOp)op).Failure,
        });

    /// <summary>Whether a failure must be reported when its operation is reached: a private timeout
    /// may be absorbed when it races the group's own cancellation (the spec's accepted race).</summary>
    private bool MustReport(TaskNode task, int index) =>
        task.Block.Ops[index] is not TimeoutOp || !MayBeCancelledAt(task, index);

    /// <summary>Whether some schedule has a failure inside <paramref name="group"/>.</summary>
    public bool MayFault(GroupNode group) => FailuresIn(group).Any(f => MayReach(f.Task, f.Index));

    /// <summary>Whether every schedule has a failure inside <paramref name="group"/>.</summary>
    public bool MustFault(GroupNode group) => FailuresIn(group).Any(f => MustReach(f.Task, f.Index) && MustReport(f.Task, f.Index));

    /// <summary>Whether the group's caller token may be cancelled before it completes.</summary>
    private bool CallerMayCancel(GroupNode group)
    {
        if (group.Parent is null)
        {
            return _sources.Any(s => s.Task.Block.Ops[s.Index] is CancelCallerOp);
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
        if (MayFault(group))
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
            failures.Where(f => MustReach(f.Task, f.Index) && MustReport(f.Task, f.Index)).Select(f => f.Failure).ToHashSet(),
            failures.Where(f => MayReach(f.Task, f.Index)).Select(f => f.Failure).ToHashSet());
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
