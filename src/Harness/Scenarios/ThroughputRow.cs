namespace TaskGroups.Harness.Scenarios;

/// <summary>One scenario's throughput: raw Coyote and the harness on the same bodies and seeds.</summary>
/// <param name="Scenario">The scenario's name.</param>
/// <param name="Schedules">Schedules per measurement.</param>
/// <param name="RawPerSecond">Median schedules per second of raw Coyote.</param>
/// <param name="CheckedPerSecond">Median schedules per second of the harness (checker and wrapper on).</param>
public sealed record ThroughputRow(string Scenario, int Schedules, double RawPerSecond, double CheckedPerSecond)
{
    /// <summary>Harness speed relative to raw Coyote.</summary>
    public double Ratio => CheckedPerSecond / RawPerSecond;
}
