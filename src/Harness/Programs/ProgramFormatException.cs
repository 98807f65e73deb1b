namespace TaskGroups.Harness.Programs;

/// <summary>A program that is thrown on a bad program text.</summary>
public sealed class ProgramFormatException(string message) : FormatException(message);
