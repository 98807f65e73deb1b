namespace TaskGroups.Harness.Programs;

/// <summary>Inside a <see cref="StartOp"/>'s block: call <c>started(value)</c>.</summary>
public sealed record StartedOp : Op;
