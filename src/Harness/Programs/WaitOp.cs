namespace TaskGroups.Harness.Programs;

/// <summary>Wait until signal <paramref name="Signal"/> is set, the task's token is cancelled, or every
/// task of the group is waiting (so no correct group can deadlock); then a cancellation point.</summary>
public sealed record WaitOp(int Signal) : Op;
