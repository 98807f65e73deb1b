namespace TaskGroups.Harness.Programs;

/// <summary>Once every group of the program has completed, <c>Spawn</c> into this task's group: it must
/// throw <see cref="InvalidOperationException"/> (invariant 8).</summary>
public sealed record SpawnLateOp : Op;
