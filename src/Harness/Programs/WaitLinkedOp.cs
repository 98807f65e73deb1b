namespace TaskGroups.Harness.Programs;

/// <summary>Wait until cancelled (or the group is idle) through a source linked to the task's token, and
/// throw that source's cancellation (a per-operation token): the group's signal once it is cancelled.</summary>
public sealed record WaitLinkedOp : Op;
