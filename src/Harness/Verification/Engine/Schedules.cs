namespace TaskGroups.Verification.Engine;

/// <summary>How many schedules a systematic test explores: one setting away from a deeper run.</summary>
public static class Schedules
{
    /// <summary>The environment variable that overrides every test's schedule count.</summary>
    public const string EnvironmentVariable = "TASKGROUPS_SCHEDULES";

    /// <summary>The default per test: at least 1,000 in CI (issue 2).</summary>
    public const int Default = 1000;

    /// <summary>
    /// The schedule count for a test: <see cref="EnvironmentVariable"/> when set to a positive
    /// integer, else <paramref name="fallback"/>.
    /// </summary>
    public static int Count(int fallback = Default)
    {
        string? text = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return int.TryParse(text, out int n) && n > 0 ? n : fallback;
    }
}
