namespace TaskGroups.Harness.Programs;

/// <summary>A group of a program: the outermost one (id 0) or one run by a <see cref="GroupOp"/>.</summary>
public sealed class GroupNode
{
    internal GroupNode(int id, GroupNode? parent, GroupConfig config)
    {
        Id = id;
        Config = config;
        Parent = parent;
        Depth = parent is null ? 0 : parent.Depth + 1;
    }

    /// <summary>0 for the outermost group, then in program order.</summary>
    public int Id { get; }

    /// <summary>Its beyond-the-seed options (none for the outermost group).</summary>
    public GroupConfig Config { get; }

    /// <summary>The enclosing group.</summary>
    public GroupNode? Parent { get; }

    /// <summary>0 for the outermost group.</summary>
    public int Depth { get; }

    /// <summary>The group's body.</summary>
    public TaskNode Body { get; internal set; } = null!;

    /// <summary>Every task of the group: the body and every child spawned into it.</summary>
    public List<TaskNode> Tasks { get; } = [];

    /// <summary>Whether <paramref name="other"/> is this group or nested (at any depth) inside it.</summary>
    public bool Contains(GroupNode other)
    {
        for (GroupNode? g = other; g is not null; g = g.Parent)
        {
            if (g == this)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The group <paramref name="levels"/> levels out from this one.</summary>
    public GroupNode Outer(int levels)
    {
        GroupNode g = this;
        for (int i = 0; i < levels && g.Parent is not null; i++)
        {
            g = g.Parent;
        }

        return g;
    }
}
