namespace TaskGroups.Harness.Programs;

/// <summary>Wait until cancelled (or the group is idle) on a <see cref="TaskCompletionSource"/> that a
/// registration cancels with <c>TrySetCanceled()</c> — no token: the exception carries none. The
/// second own-signal rule makes it the group's signal when the group's token is cancelled.</summary>
public sealed record WaitCanceledOp : Op;
