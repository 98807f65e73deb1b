using TaskGroups.Harness.Targets;

namespace TaskGroups.Harness.Programs;

/// <summary>What checking the property found.</summary>
public sealed record PropertyReport(
    IGroupTarget Target,
    PropertySettings Settings,
    int ProgramsTested,
    int ProgramsExplored,
    long SchedulesExplored,
    TimeSpan Elapsed,
    Counterexample? Counterexample)
{
    /// <summary>Generated programs checked per second (shrinking included).</summary>
    public double ProgramsPerSecond => Elapsed.TotalSeconds > 0 ? ProgramsExplored / Elapsed.TotalSeconds : 0;
}
