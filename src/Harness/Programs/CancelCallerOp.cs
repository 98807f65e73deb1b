namespace TaskGroups.Harness.Programs;

/// <summary>Cancel the caller's token of the outermost group.</summary>
public sealed record CancelCallerOp : Op;
