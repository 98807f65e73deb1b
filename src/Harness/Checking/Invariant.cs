namespace TaskGroups.Harness.Checking;

/// <summary>The numbered invariants of the spec (shared/spec/semantics.md) that the checker knows.</summary>
public static class Invariant
{
    /// <summary>The invariant's short name, as the spec titles it.</summary>
    public static string NameOf(int number) => number switch
    {
        1 => "Containment / no leaked tasks",
        2 => "All siblings observe cancellation",
        3 => "Suppresses only its own signal",
        4 => "Nested groups",
        5 => "No lost errors",
        6 => "Fail-fast",
        7 => "Cancel is immediate, idempotent and monotone",
        8 => "Closed after completion",
        9 => "Balanced bookkeeping",
        10 => "Determinism under test",
        _ => throw new ArgumentOutOfRangeException(nameof(number), number, "the spec numbers its invariants 1 to 10"),
    };
}

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

/// <summary>Thrown by <see cref="InvariantChecker.ThrowIfViolated"/>.</summary>
public sealed class InvariantViolationException(IReadOnlyList<InvariantViolation> violations)
    : Exception(string.Join(Environment.NewLine, violations))
{
    /// <summary>Every violation seen.</summary>
    public IReadOnlyList<InvariantViolation> Violations { get; } = violations;
}
