namespace TaskGroups.Harness.Programs;

/// <summary>Throw a private timeout: an <see cref="OperationCanceledException"/> for a token the task
/// made and cancelled itself, named <c>f</c><paramref name="Failure"/>. A failure while the group's token
/// is not cancelled; absorbed only when it races the group's own cancellation.</summary>
public sealed record TimeoutOp(int Failure) : Op;
