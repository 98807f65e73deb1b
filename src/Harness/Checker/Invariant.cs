namespace TaskGroups.Verification;

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
