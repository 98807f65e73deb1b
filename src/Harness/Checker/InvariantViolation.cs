namespace TaskGroups.Verification;

/// <summary>One violation of a numbered invariant.</summary>
/// <param name="Number">The invariant's number in the spec.</param>
/// <param name="Detail">What was seen, in words that do not depend on process-wide ids, so that a
/// replay prints the identical line.</param>
public sealed record InvariantViolation(int Number, string Detail)
{
    /// <summary>The invariant's name.</summary>
    public string Name => Invariant.NameOf(Number);

    /// <inheritdoc/>
    public override string ToString() => $"invariant {Number} ({Name}) violated: {Detail}";
}
