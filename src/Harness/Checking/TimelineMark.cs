namespace TaskGroups.Harness.Checking;

/// <summary>What kind of thing a timeline entry records, so that renderers can mark it without
/// reading its words.</summary>
public enum TimelineMark
{
    /// <summary>A scenario's own step (<c>job cancels the group</c>) or anything else.</summary>
    Note,

    /// <summary>A group opened.</summary>
    Opened,

    /// <summary>A task spawned a child; the entry's subject is the child's lane.</summary>
    Spawned,

    /// <summary>A body's or child's code started running.</summary>
    Started,

    /// <summary>A body's or child's code ended (normally, cancelled, or with a failure).</summary>
    Ended,

    /// <summary>A task called <c>Cancel()</c> (the request, before it returns).</summary>
    CancelCalled,

    /// <summary>The group reported that its cancellation was requested (with its cause).</summary>
    CancelRequested,

    /// <summary>A token became cancelled: the moment a cancellation really took effect.</summary>
    TokenCancelled,

    /// <summary><c>Cancel()</c> returned; the entry says whether the token was cancelled by then.</summary>
    CancelReturned,

    /// <summary>A group recorded a failure.</summary>
    Failure,

    /// <summary>A group, or a run's task, completed.</summary>
    Completed,

    /// <summary>An invariant was violated.</summary>
    Violation,
}
