namespace TaskGroups;

/// <summary>
/// Options for <see cref="TaskGroup.RunAsync(Func{TaskGroup, Task}, TaskGroupOptions, CancellationToken)"/>:
/// a deadline, the clock it is measured on, a concurrency limit, and supervisor mode.
/// </summary>
/// <remarks>Immutable once built; one instance may be shared by any number of groups and threads.</remarks>
public sealed class TaskGroupOptions
{
    /// <summary>The defaults: no deadline, the system clock, no limit, fail-fast.</summary>
    internal static TaskGroupOptions Default { get; } = new();

    /// <summary>
    /// A deadline measured from the start of <c>RunAsync</c> on <see cref="TimeProvider"/> (Trio's
    /// <c>fail_after</c>). When it elapses the group cancels itself; if nothing failed and the
    /// caller did not cancel, awaiting <c>RunAsync</c> then throws <see cref="TimeoutException"/>.
    /// Failures and the caller's cancellation still win: a deadline never absorbs an outer cancellation.
    /// </summary>
    /// <value>Null (the default): no deadline. Must be positive or <see cref="Timeout.InfiniteTimeSpan"/>.</value>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The clock for <see cref="Timeout"/>, <see cref="TaskGroup.CancelAfter"/> and
    /// <see cref="TaskGroup.ShieldAsync"/>'s grace period; tests pass a <c>FakeTimeProvider</c>.</summary>
    /// <value><see cref="System.TimeProvider.System"/> by default.</value>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// At most this many children (spawned with <see cref="TaskGroup.Spawn(Func{CancellationToken, Task})"/>)
    /// run at once. <c>Spawn</c> never blocks and never throws because of the limit: a child over it
    /// waits in a queue and starts, in spawn order, when a running one finishes. A queued child that
    /// starts after the group was cancelled starts with the cancelled token, like every late child.
    /// </summary>
    /// <value>Null (the default): no limit. Must be at least 1.</value>
    public int? MaxConcurrency { get; init; }

    /// <summary>
    /// True (the default): the first failure cancels the group. False: supervisor mode (Kotlin's
    /// <c>supervisorScope</c>) — a child's failure does not cancel its siblings or the body; every
    /// failure is still reported at the end (the group ends Faulted). <see cref="TaskGroup.Cancel()"/>,
    /// the caller's token, the deadline and a failure of the body itself still cancel everything.
    /// </summary>
    public bool FailFast { get; init; } = true;

    /// <summary>Throws if the options are not usable.</summary>
    internal void Validate()
    {
        if (TimeProvider is null)
        {
            throw new ArgumentException("TaskGroupOptions.TimeProvider must not be null.", "options");
        }

        if (Timeout is { } timeout && timeout <= TimeSpan.Zero && timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException("options", timeout, "TaskGroupOptions.Timeout must be positive or Timeout.InfiniteTimeSpan.");
        }

        if (MaxConcurrency is < 1)
        {
            throw new ArgumentOutOfRangeException("options", MaxConcurrency, "TaskGroupOptions.MaxConcurrency must be at least 1.");
        }
    }
}
