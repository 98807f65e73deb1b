namespace TaskGroups.Harness.Programs;

/// <summary>Cancel the task's own group with <c>Cancel("r</c><paramref name="Reason"/><c>")</c>. The
/// group's <c>CancellationReason</c> must name a cause that can have been the first.</summary>
public sealed record CancelReasonOp(int Reason) : Op;
