namespace TaskGroups.Harness.Cli;

/// <summary>The harness's documented exit codes.</summary>
public static class ExitCodes
{
    /// <summary>No bug found (a replay: the schedule replayed completely and the bug is gone).</summary>
    public const int NoBug = 0;

    /// <summary>A bug was found, or a replay reproduced it.</summary>
    public const int Bug = 1;

    /// <summary>Bad usage or bad input: one-line error on stderr.</summary>
    public const int BadInput = 2;

    /// <summary>The harness itself failed (a defect of ours, reported in one line).</summary>
    public const int HarnessFailure = 3;

    /// <summary>A replay left its recorded schedule: the code changed since the schedule was recorded.</summary>
    public const int Diverged = 4;
}
