namespace TaskGroups.Verification;

/// <summary>The names of the <see cref="FeatureRule"/>s, as bug lines print them.</summary>
public static class FeatureRuleNames
{
    /// <summary>The rule's identifier in bug lines and the scenario list (<c>limit</c>, <c>cancel-reason</c>, …),
    /// the same as the program language's operation for the feature.</summary>
    /// <param name="rule">The rule.</param>
    /// <returns>The identifier.</returns>
    public static string Slug(this FeatureRule rule) => rule switch
    {
        FeatureRule.Timeout => "timeout",
        FeatureRule.Limit => "limit",
        FeatureRule.Supervise => "supervise",
        FeatureRule.Start => "start",
        FeatureRule.CancelReason => "cancel-reason",
        FeatureRule.Shield => "shield",
        FeatureRule.CancelAfter => "cancel-after",
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "not a feature rule"),
    };

    /// <summary>What the rule requires, in a few words.</summary>
    /// <param name="rule">The rule.</param>
    /// <returns>The description.</returns>
    public static string Describe(this FeatureRule rule) => rule switch
    {
        FeatureRule.Timeout => "the deadline throws TimeoutException only when it was the first cause",
        FeatureRule.Limit => "at most N children run at once, in spawn order",
        FeatureRule.Supervise => "supervisor mode cancels no sibling and reports every failure",
        FeatureRule.Start => "StartAsync owns the child's outcome until started",
        FeatureRule.CancelReason => "the reason of the first cause",
        FeatureRule.Shield => "shielded cleanup runs and is awaited",
        FeatureRule.CancelAfter => "CancelAfter cancels quietly at its time",
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "not a feature rule"),
    };
}
