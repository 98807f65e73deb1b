namespace TaskGroups.Harness.Cli;

/// <summary>Bad usage or input found while running a verb: reported in one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
