namespace TaskGroups.Harness.Programs;

/// <summary>A task of a program, as the model and the interpreter number it (pre-order, body first).</summary>
public sealed class TaskNode
{
    internal TaskNode(int id, GroupNode group, Block block, TaskNode? origin, int originIndex, TaskKind kind)
    {
        Id = id;
        Kind = kind;
        Group = group;
        Block = block;
        Origin = origin;
        OriginIndex = originIndex;
    }

    /// <summary>0-based, in program order.</summary>
    public int Id { get; }

    /// <summary>How it runs in its group: body, spawned child, StartAsync child or shielded cleanup.</summary>
    public TaskKind Kind { get; }

    /// <summary>The group it belongs to.</summary>
    public GroupNode Group { get; }

    /// <summary>Its operations.</summary>
    public Block Block { get; }

    /// <summary>The task whose spawn or group operation created it; null for the outermost body.</summary>
    public TaskNode? Origin { get; }

    /// <summary>The index of that operation in <see cref="Origin"/>.</summary>
    public int OriginIndex { get; }

    /// <summary>True for a group's body, false for a spawned child.</summary>
    public bool IsBody => ReferenceEquals(Group.Body, this);

    /// <summary>The tasks created by this task's spawn and group operations, by operation index.</summary>
    internal Dictionary<int, TaskNode> Created { get; } = [];

    /// <summary>The groups this task's group operations run, by operation index.</summary>
    internal Dictionary<int, GroupNode> Nested { get; } = [];

    /// <summary>A readable name: "task 3 (child of group 1)".</summary>
    public string Name => Kind switch
    {
        TaskKind.Body => $"task {Id} (body of group {Group.Id})",
        TaskKind.Started => $"task {Id} (started child of group {Group.Id})",
        TaskKind.Shield => $"task {Id} (shielded cleanup in group {Group.Id})",
        _ => $"task {Id} (child of group {Group.Id})",
    };
}
