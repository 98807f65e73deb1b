namespace TaskGroups;

/// <summary>Why a <see cref="TaskGroup"/>'s token was cancelled.</summary>
public enum TaskGroupCancelCause
{
    /// <summary>The token has not been cancelled.</summary>
    None = 0,

    /// <summary><see cref="TaskGroup.Cancel()"/> was called, or the delay of <see cref="TaskGroup.CancelAfter"/> elapsed.</summary>
    Cancel = 1,

    /// <summary>The body or a child failed (fail-fast).</summary>
    Failure = 2,

    /// <summary>The caller's token, passed to <see cref="TaskGroup.RunAsync(Func{TaskGroup, Task}, CancellationToken)"/>, was cancelled.</summary>
    CallerToken = 3,

    /// <summary>The deadline (<see cref="TaskGroupOptions.Timeout"/>) elapsed.</summary>
    Deadline = 4,
}
