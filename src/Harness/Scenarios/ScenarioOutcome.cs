using TaskGroups.Harness.Targets;

namespace TaskGroups.Harness.Scenarios;

/// <summary>What exploring one scenario against one target found.</summary>
public sealed record ScenarioOutcome(
    IGroupTarget Target,
    Scenario Scenario,
    int Schedules,
    TimeSpan Elapsed,
    string? Bug,
    string? TracePath,
    IReadOnlyList<string> UncontrolledInvocations,
    string? HtmlPath = null)
{
    /// <summary>Schedules per second.</summary>
    public double SchedulesPerSecond => Elapsed.TotalSeconds > 0 ? Schedules / Elapsed.TotalSeconds : 0;
}
