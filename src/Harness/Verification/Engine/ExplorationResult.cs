namespace TaskGroups.Verification.Engine;

/// <summary>What one exploration found.</summary>
/// <param name="Schedules">How many schedules were explored.</param>
/// <param name="Bugs">Bug reports (Coyote assertion messages), empty when none was found.</param>
/// <param name="UncontrolledInvocations">Calls Coyote could not control; any is a failure in strict mode.</param>
/// <param name="ReproducibleTrace">The failing schedule as Coyote's JSON trace, when a bug was found.</param>
/// <param name="Elapsed">Wall-clock time of the exploration.</param>
public sealed record ExplorationResult(
    int Schedules,
    IReadOnlyList<string> Bugs,
    IReadOnlyList<string> UncontrolledInvocations,
    string? ReproducibleTrace,
    TimeSpan Elapsed)
{
    /// <summary>The Coyote seed of the engine that produced this result (the one that found the bug).</summary>
    public uint Seed { get; init; }

    /// <summary>True when a bug was found.</summary>
    public bool FoundBug => Bugs.Count > 0;
}
