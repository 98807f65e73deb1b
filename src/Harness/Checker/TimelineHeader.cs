namespace TaskGroups.Verification;

/// <summary>What a rendered timeline says on top: the bug, where the schedule came from, and the
/// command that replays it.</summary>
/// <param name="Title">What ran: <c>seed-cancellable / seed-jobs-and-daemon</c>.</param>
/// <param name="Bug">The bug line the replay printed, or null when the schedule did not reproduce a bug.</param>
/// <param name="RecordedBug">The bug line recorded in the schedule file.</param>
/// <param name="Seed">The Coyote seed of the batch that found it.</param>
/// <param name="Strategy">The strategy that found it.</param>
/// <param name="SchedulePath">The schedule file (absolute).</param>
/// <param name="ReplayCommand">The command that replays it, from any directory.</param>
/// <param name="Program">For generated programs: the program text.</param>
public sealed record TimelineHeader(
    string Title,
    string? Bug,
    string RecordedBug,
    uint Seed,
    string Strategy,
    string SchedulePath,
    string ReplayCommand,
    string? Program = null);
