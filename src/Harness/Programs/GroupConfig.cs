namespace TaskGroups.Harness.Programs;

/// <summary>
/// The beyond-the-seed options of a nested group of a program (<c>group limit 2 deadline supervise { … }</c>).
/// Every option needs a feature target (<c>IFeatureTarget</c>).
/// </summary>
/// <param name="Limit">MaxConcurrency (1–3), or null for none.</param>
/// <param name="Deadline">A Timeout of <see cref="DeadlineAfter"/> on the schedule's virtual clock, which
/// fires it at a moment the scheduler picks.</param>
/// <param name="Supervise">FailFast = false: a child's failure does not cancel the group.</param>
public sealed record GroupConfig(int? Limit = null, bool Deadline = false, bool Supervise = false)
{
    /// <summary>The deadline of a <c>deadline</c> group: two ticks of the virtual clock.</summary>
    public static readonly TimeSpan DeadlineAfter = TimeSpan.FromSeconds(10);

    /// <summary>No option: the seed's group.</summary>
    public static GroupConfig None { get; } = new();

    /// <summary>Whether no option is set.</summary>
    public bool IsDefault => Limit is null && !Deadline && !Supervise;

    /// <summary>The library's options for this configuration (the clock is added by the run).</summary>
    public TaskGroupOptions ToOptions() => new()
    {
        MaxConcurrency = Limit,
        Timeout = Deadline ? DeadlineAfter : null,
        FailFast = !Supervise,
    };
}
