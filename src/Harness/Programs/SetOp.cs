namespace TaskGroups.Harness.Programs;

/// <summary>Set signal <paramref name="Signal"/>.</summary>
public sealed record SetOp(int Signal) : Op;
