namespace TaskGroups.Harness.Cli;

/// <summary>How one item of a progress display ended.</summary>
/// <param name="Bug">Whether it found a bug (its bar turns red at once).</param>
/// <param name="Detail">A short line about it (schedules and seconds).</param>
/// <param name="PrintBug">Prints its bug lines, at the moment it is found.</param>
internal sealed record ProgressResult(bool Bug, string Detail, Action? PrintBug);
