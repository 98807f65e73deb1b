namespace TaskGroups.Harness.Programs;

/// <summary>Run a nested group with <paramref name="Body"/> (its caller token is the task's token) and
/// await it: its failure or cancellation ends the task.</summary>
public sealed record GroupOp(Block Body) : Op
{
    /// <inheritdoc/>
    public override int Count => 1 + Body.Count;
}
