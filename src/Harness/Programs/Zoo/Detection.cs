namespace TaskGroups.Harness.Zoo;

/// <summary>One way a bug was found (or not) in a zoo target.</summary>
/// <param name="Found">Whether it found a bug.</param>
/// <param name="Bug">The bug line, when found.</param>
/// <param name="SchedulePath">The schedule file, for explore and properties detections.</param>
/// <param name="Replayed">Whether replaying the schedule printed the identical bug line (true for stress, which has no schedule).</param>
/// <param name="Elapsed">Time until the first detection (or the whole budget when none).</param>
/// <param name="Attempts">Schedules (explore), programs (properties) or runs (stress) until then.</param>
/// <param name="Where">The scenario that found it, or the shrunk program.</param>
/// <param name="Size">For properties: the counterexample's number of operations.</param>
public sealed record Detection(
    bool Found,
    string? Bug,
    string? SchedulePath,
    bool Replayed,
    TimeSpan Elapsed,
    long Attempts,
    string? Where,
    int? Size = null)
{
    /// <summary>Nothing found after <paramref name="attempts"/> in <paramref name="elapsed"/>.</summary>
    public static Detection None(TimeSpan elapsed, long attempts) => new(false, null, null, true, elapsed, attempts, null);
}
