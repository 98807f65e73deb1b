namespace TaskGroups.Harness.Programs;

/// <summary>
/// Start shielded cleanup with <c>ShieldAsync</c> and a grace period of <see cref="GracePeriod"/> on the
/// virtual clock, without awaiting it: the group must wait for it like for a child, and report its
/// failure. <paramref name="Cleanup"/> holds only <see cref="YieldOp"/> (not a cancellation point here:
/// the shielded token is not the group's), <see cref="SetOp"/>, <see cref="ThrowOp"/> and
/// <see cref="WaitGraceOp"/>.
/// </summary>
public sealed record ShieldOp(Block Cleanup) : Op
{
    /// <summary>The grace period: one tick of the virtual clock.</summary>
    public static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(5);

    /// <inheritdoc/>
    public override int Count => 1 + Cleanup.Count;
}
