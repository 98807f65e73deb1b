namespace TaskGroups.Verification;

/// <summary>How <see cref="Systematic.Verify"/> explores a test. Every property is optional.</summary>
/// <remarks>Immutable once built; safe to share between tests.</remarks>
public sealed class SystematicOptions
{
    /// <summary>How many schedules to explore.</summary>
    /// <value>Default: the environment variable <c>TASKGROUPS_SCHEDULES</c> (an unparsable value is an
    /// error), else 1,000.</value>
    public int? Schedules { get; init; }

    /// <summary>Seed of Coyote's random generator: the same seed (and parallelism) explores the same schedules.</summary>
    /// <value>Default: 0.</value>
    public uint? Seed { get; init; }

    /// <summary>Where failing schedules are written.</summary>
    /// <value>Default: the environment variable <c>TASKGROUPS_SCHEDULES_DIR</c>, else the folder
    /// <c>taskgroups-schedules</c> in the test run's output folder (next to the test assembly).</value>
    public string? OutputDirectory { get; init; }

    /// <summary>The exploration strategy.</summary>
    /// <value>Default: <see cref="SchedulingStrategy.Random"/>.</value>
    public SchedulingStrategy? Strategy { get; init; }

    /// <summary>The scheduling-step bound per schedule (a longer schedule ends without a verdict).</summary>
    /// <value>Default: 2,000.</value>
    public uint? MaxSteps { get; init; }

    /// <summary>A schedule file to replay instead of exploring (when it records this test).</summary>
    /// <value>Default: the environment variable <c>TASKGROUPS_REPLAY</c>, else none.</value>
    public string? Replay { get; init; }

    /// <summary>How many Coyote engines explore at once.</summary>
    /// <value>Default: the environment variable <c>TASKGROUPS_PARALLEL</c>, else the processor count.
    /// Engine <c>w</c> uses seed <c>Seed + w</c>, so a seed and a parallelism always give the same result.</value>
    public int? Parallelism { get; init; }
}
