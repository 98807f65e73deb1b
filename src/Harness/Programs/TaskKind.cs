namespace TaskGroups.Harness.Programs;

/// <summary>How a task of a program runs in its group.</summary>
public enum TaskKind
{
    /// <summary>A group's body.</summary>
    Body = 0,

    /// <summary>A spawned child (counts against a limit; may not start once the group is cancelled).</summary>
    Child,

    /// <summary>A <see cref="StartOp"/>'s child: always runs, not limited; its failures before
    /// <see cref="StartedOp"/> are StartAsync's, not the group's.</summary>
    Started,

    /// <summary>A <see cref="ShieldOp"/>'s cleanup: always runs, never sees the group's cancellation.</summary>
    Shield,
}
