namespace TaskGroups.Verification;

/// <summary>One thing that happened, in the order the schedule made it happen.</summary>
/// <param name="Step">Position in the run (0, 1, 2, …).</param>
/// <param name="Task">Which task did it: <c>g1/body</c>, <c>g1/child 2</c>, <c>caller</c>, …</param>
/// <param name="What">What it did.</param>
/// <param name="Kind">What sort of entry it is, so that a renderer can mark spawns, cancellations and
/// violations without reading the text.</param>
/// <param name="Subject">What else it concerns, if anything: the child's lane for
/// <see cref="TimelineEntryKind.Spawned"/>, the group (<c>g1</c>) whose token it is for
/// <see cref="TimelineEntryKind.TokenCancelled"/>.</param>
public sealed record TimelineEntry(int Step, string Task, string What, TimelineEntryKind Kind = TimelineEntryKind.Event, string? Subject = null);
