namespace TaskGroups;

/// <summary>Why a <see cref="TaskGroup"/>'s token was cancelled.</summary>
public enum TaskGroupCancelCause
{
    /// <summary>The token has not been cancelled.</summary>
    None = 0,

    /// <summary><see cref="TaskGroup.Cancel"/> was called.</summary>
    Cancel = 1,

    /// <summary>The body or a child failed (fail-fast).</summary>
    Failure = 2,

    /// <summary>The caller's token, passed to <see cref="TaskGroup.RunAsync"/>, was cancelled.</summary>
    CallerToken = 3,
}
