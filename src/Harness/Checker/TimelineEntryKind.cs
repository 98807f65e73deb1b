namespace TaskGroups.Verification;

/// <summary>What sort of thing a <see cref="TimelineEntry"/> records, so that renderers can mark it
/// without reading its words.</summary>
public enum TimelineEntryKind
{
    /// <summary>A lifecycle event or an observed call not covered by a finer kind.</summary>
    Event = 0,

    /// <summary>Another step of a cancellation (the finer kinds below say which, where known).</summary>
    Cancellation = 1,

    /// <summary>An invariant violation or a failed check: the reason the schedule is a bug.</summary>
    Violation = 2,

    /// <summary>A step a scenario or program logged about itself (<c>job cancels the group</c>).</summary>
    Note = 3,

    /// <summary>A group opened.</summary>
    Opened = 4,

    /// <summary>A task spawned a child; the entry's subject is the child's lane.</summary>
    Spawned = 5,

    /// <summary>A body's or child's code started running.</summary>
    Started = 6,

    /// <summary>A body's or child's code ended (normally, cancelled, or with a failure).</summary>
    Ended = 7,

    /// <summary>A task called <c>Cancel()</c>, or cancelled a caller's token: the request.</summary>
    CancelCalled = 8,

    /// <summary>The group reported that its cancellation was requested (with its cause).</summary>
    CancelRequested = 9,

    /// <summary>A group's token became cancelled: the moment a cancellation really took effect.</summary>
    TokenCancelled = 10,

    /// <summary><c>Cancel()</c> returned; the entry says whether the token was cancelled by then.</summary>
    CancelReturned = 11,

    /// <summary>A group recorded a failure, or Spawn threw.</summary>
    Failure = 12,

    /// <summary>A group, or a run's task, completed.</summary>
    Completed = 13,
}
