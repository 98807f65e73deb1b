namespace TaskGroups.Harness.Programs;

/// <summary>
/// <c>CancelAfter(one tick)</c> on the task's own group (Trio's <c>move_on_after</c>): the virtual clock
/// fires it at a moment the scheduler picks, or never if the group completes first. Like
/// <see cref="CancelOp"/> it cancels the group quietly — the group never ends with a
/// <see cref="TimeoutException"/> because of it.
/// </summary>
public sealed record CancelAfterOp : Op;
