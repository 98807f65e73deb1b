namespace TaskGroups.Harness.Programs;

/// <summary>An outsider (a task that is not part of the group) calls the group's <c>Cancel()</c> at a
/// moment the schedule picks — possibly after the group completed, when it is a no-op.</summary>
public sealed record CancelOutsideOp : Op;
