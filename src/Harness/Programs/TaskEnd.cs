namespace TaskGroups.Harness.Programs;

/// <summary>How a task (a body or a child) of a run ended, as the interpreter observed it.</summary>
public enum TaskEnd
{
    /// <summary>The task's code never ran (its spawn was not reached, or the group did not start it).</summary>
    NotRun = 0,

    /// <summary>It ran all its operations.</summary>
    RanToCompletion,

    /// <summary>It ended with its token's cancellation (the group's own signal).</summary>
    Canceled,

    /// <summary>It ended with a failure.</summary>
    Faulted,
}
