namespace TaskGroups.Verification.Engine;

/// <summary>One replay of a recorded schedule, and whether the code followed it.</summary>
/// <param name="Result">What the run found.</param>
/// <param name="DivergedAtStep">The first recorded step (0-based) the run did not follow, or null
/// when it followed the schedule to its end.</param>
/// <param name="Detail">What went wrong at that step, in words.</param>
public sealed record ReplayRun(ExplorationResult Result, int? DivergedAtStep, string? Detail)
{
    /// <summary>True when the run left the recorded schedule.</summary>
    public bool Diverged => DivergedAtStep is not null;
}
