namespace TaskGroups.Harness.Programs;

/// <summary>Inside a <see cref="ShieldOp"/>'s block: wait until the shielded token is cancelled (the
/// grace period elapsed), then go on, as a cleanup that gives up in time does. It must not wake before
/// <see cref="ShieldOp.GracePeriod"/> of virtual time since the shield started.</summary>
public sealed record WaitGraceOp : Op;
