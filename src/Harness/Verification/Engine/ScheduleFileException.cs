namespace TaskGroups.Verification.Engine;

/// <summary>A trace file that cannot be used: missing, truncated, malformed or foreign.</summary>
public sealed class ScheduleFileException(string message) : Exception(message);
