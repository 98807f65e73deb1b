namespace TaskGroups.Verification;

/// <summary>
/// The rules of the beyond-the-seed features (spec, "Beyond the seed") that have no invariant number.
/// Where a feature's bug breaks a numbered invariant (a deadline that absorbs the caller's cancellation
/// breaks invariant 3, a nested one invariant 4), the checker reports that invariant instead.
/// <see cref="FeatureRuleNames"/> gives each rule its short name in bug lines and its description.
/// </summary>
public enum FeatureRule
{
    /// <summary>Timeout: TimeoutException exactly when the deadline was the first cause, nothing failed
    /// and the caller did not cancel.</summary>
    Timeout,

    /// <summary>MaxConcurrency: never more than N children running; queued children start in spawn order.</summary>
    Limit,

    /// <summary>FailFast = false: a failure cancels no sibling; every failure is reported, in order.</summary>
    Supervise,

    /// <summary>StartAsync: the value, or the failure before started, comes out of StartAsync, not the group.</summary>
    Start,

    /// <summary>CancellationReason: says why the token was first cancelled; the first cause wins.</summary>
    CancelReason,

    /// <summary>ShieldAsync: the cleanup runs despite cancellation, bounded by its grace period; the group waits for it.</summary>
    Shield,

    /// <summary>CancelAfter: a quiet self-cancel on the group's clock.</summary>
    CancelAfter,
}
