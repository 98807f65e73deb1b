namespace TaskGroups.Verification;

/// <summary>
/// The rules of the beyond-the-seed features (spec, "Beyond the seed") that have no invariant number.
/// Where a feature's bug breaks a numbered invariant (a deadline that absorbs the caller's cancellation
/// breaks invariant 3, a nested one invariant 4), the checker reports that invariant instead.
/// </summary>
public static class FeatureRule
{
    /// <summary>Timeout: TimeoutException exactly when the deadline was the first cause, nothing failed
    /// and the caller did not cancel.</summary>
    public const string Timeout = "timeout";

    /// <summary>MaxConcurrency: never more than N children running; queued children start in spawn order.</summary>
    public const string Limit = "limit";

    /// <summary>FailFast = false: a failure cancels no sibling; every failure is reported, in order.</summary>
    public const string Supervise = "supervise";

    /// <summary>StartAsync: the value, or the failure before started, comes out of StartAsync, not the group.</summary>
    public const string Start = "start";

    /// <summary>CancellationReason: says why the token was first cancelled; the first cause wins.</summary>
    public const string CancelReason = "cancel-reason";

    /// <summary>ShieldAsync: the cleanup runs despite cancellation, bounded by its grace period; the group waits for it.</summary>
    public const string Shield = "shield";

    /// <summary>CancelAfter: a quiet self-cancel on the group's clock.</summary>
    public const string CancelAfter = "cancel-after";

    /// <summary>The rule's short name.</summary>
    public static string NameOf(string rule) => rule switch
    {
        Timeout => "the deadline throws TimeoutException only when it was the first cause",
        Limit => "at most N children run at once, in spawn order",
        Supervise => "supervisor mode cancels no sibling and reports every failure",
        Start => "StartAsync owns the child's outcome until started",
        CancelReason => "the reason of the first cause",
        Shield => "shielded cleanup runs and is awaited",
        CancelAfter => "CancelAfter cancels quietly at its time",
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "not a feature rule"),
    };
}
