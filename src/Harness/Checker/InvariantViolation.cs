namespace TaskGroups.Verification;

/// <summary>One violation of a numbered invariant, or of a feature rule (<see cref="FeatureRule"/>).</summary>
/// <param name="Number">The invariant's number in the spec; 0 for a feature rule.</param>
/// <param name="Detail">What was seen, in words that do not depend on process-wide ids, so that a
/// replay prints the identical line.</param>
public sealed record InvariantViolation(int Number, string Detail)
{
    /// <summary>The feature rule broken (<see cref="FeatureRule.Timeout"/>, …), or null for a numbered invariant.</summary>
    public FeatureRule? Rule { get; init; }

    /// <summary>The invariant's or feature rule's name.</summary>
    public string Name => Rule is { } rule ? rule.Describe() : Invariant.NameOf(Number);

    /// <summary>A violation of the beyond-the-seed feature rule <paramref name="rule"/>.</summary>
    public static InvariantViolation OfFeature(FeatureRule rule, string detail) => new(0, detail) { Rule = rule };

    /// <inheritdoc/>
    public override string ToString() => Rule is { } rule
        ? $"feature rule {rule.Slug()} ({Name}) violated: {Detail}"
        : $"invariant {Number} ({Name}) violated: {Detail}";
}
