namespace TaskGroups.Harness.Programs;

/// <summary><c>try { wait until cancelled (or the group is idle) } finally { await Task.Yield(); throw f</c><paramref name="Failure"/><c>; }</c>.</summary>
public sealed record ThrowInCleanupOp(int Failure) : Op;
