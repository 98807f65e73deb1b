namespace TaskGroups.Harness.Programs;

/// <summary>Run a nested group with <paramref name="Body"/> (its caller token is the task's token) and
/// await it: its failure, timeout or cancellation ends the task. <paramref name="Options"/> are its
/// beyond-the-seed options (null for none; <see cref="TaskProgram.Normalize"/> turns default ones into null).</summary>
public sealed record GroupOp(Block Body, GroupConfig? Options = null) : Op
{
    /// <summary>The options, never null.</summary>
    public GroupConfig Config => Options ?? GroupConfig.None;

    /// <inheritdoc/>
    public override int Count => 1 + Body.Count;
}
