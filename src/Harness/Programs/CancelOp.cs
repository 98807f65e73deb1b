namespace TaskGroups.Harness.Programs;

/// <summary>Cancel the task's own group (<paramref name="Levels"/> 0) or the group
/// <paramref name="Levels"/> levels further out.</summary>
public sealed record CancelOp(int Levels) : Op;
