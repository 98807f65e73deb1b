using TaskGroups.Verification.Engine;

namespace TaskGroups.Harness.Programs;

/// <summary>What exploring one program against one target found.</summary>
/// <param name="Program">The program.</param>
/// <param name="Seed">The Coyote seed the exploration used (derived from the program).</param>
/// <param name="Result">The exploration's result (its trace replays the failing schedule).</param>
public sealed record ProgramOutcome(TaskProgram Program, uint Seed, ExplorationResult Result)
{
    /// <summary>The first bug, or null.</summary>
    public string? Bug => Result.FoundBug ? Result.Bugs[0] : null;
}
