namespace TaskGroups.Harness.Programs;

/// <summary>Spawn a child into the task's own group (from a child: a late spawn of a sibling). With a
/// <paramref name="Value"/>, through <c>Spawn&lt;int&gt;</c>, the child returns it.</summary>
public sealed record SpawnOp(Block Child, int? Value = null) : Op
{
    /// <inheritdoc/>
    public override int Count => 1 + Child.Count;
}
