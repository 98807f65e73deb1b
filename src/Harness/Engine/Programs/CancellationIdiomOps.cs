namespace TaskGroups.Harness.Programs;

/// <summary>Wait until cancelled (or the group is idle) on a <see cref="TaskCompletionSource"/> that a
/// registration cancels with <c>TrySetCanceled()</c> — no token: the exception carries none. The
/// second own-signal rule makes it the group's signal when the group's token is cancelled.</summary>
public sealed record WaitCanceledOp : Op;

/// <summary>Wait until cancelled (or the group is idle) through a source linked to the task's token, and
/// throw that source's cancellation (a per-operation token): the group's signal once it is cancelled.</summary>
public sealed record WaitLinkedOp : Op;

/// <summary>Throw a private timeout: an <see cref="OperationCanceledException"/> for a token the task
/// made and cancelled itself, named <c>f</c><paramref name="Failure"/>. A failure while the group's token
/// is not cancelled; absorbed only when it races the group's own cancellation.</summary>
public sealed record TimeoutOp(int Failure) : Op;

/// <summary>An outsider (a task that is not part of the group) calls the group's <c>Cancel()</c> at a
/// moment the schedule picks — possibly after the group completed, when it is a no-op.</summary>
public sealed record CancelOutsideOp : Op;

/// <summary>Once every group of the program has completed, <c>Spawn</c> into this task's group: it must
/// throw <see cref="InvalidOperationException"/> (invariant 8).</summary>
public sealed record SpawnLateOp : Op;

/// <summary>The private timeout a <see cref="TimeoutOp"/> throws: a cancellation named by its failure id.</summary>
public sealed class PlantedTimeoutException(string name, CancellationToken token) : OperationCanceledException(name, token);
