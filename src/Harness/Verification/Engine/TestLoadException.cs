namespace TaskGroups.Verification.Engine;

/// <summary>A test's schedule cannot be replayed from the given assembly (missing, not a .NET assembly,
/// not rewritten for Coyote, the test not in it): the user's to fix, reported in one line.</summary>
public sealed class TestLoadException(string message) : Exception(message);
