namespace TaskGroups.Verification;

/// <summary>What sort of thing a <see cref="TimelineEntry"/> records.</summary>
public enum TimelineEntryKind
{
    /// <summary>A lifecycle event or an observed call (spawned, started, completed, ...).</summary>
    Event = 0,

    /// <summary>A cancellation: a cancel request, <c>Cancel()</c> returning, a token cancelled.</summary>
    Cancellation = 1,

    /// <summary>An invariant violation or a failed check: the reason the schedule is a bug.</summary>
    Violation = 2,

    /// <summary>A step a scenario or program logged about itself.</summary>
    Note = 3,
}
