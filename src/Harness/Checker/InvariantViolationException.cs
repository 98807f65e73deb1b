namespace TaskGroups.Verification;

/// <summary>Thrown by <see cref="InvariantChecker.ThrowIfViolated"/>.</summary>
public sealed class InvariantViolationException(IReadOnlyList<InvariantViolation> violations)
    : Exception(string.Join(Environment.NewLine, violations))
{
    /// <summary>Every violation seen.</summary>
    public IReadOnlyList<InvariantViolation> Violations { get; } = violations;
}
