namespace TaskGroups.Harness.Targets;

/// <summary>
/// A target that supports the beyond-the-seed features: a group configured by
/// <see cref="TaskGroupOptions"/> (a deadline on a <see cref="TimeProvider"/>, a concurrency limit,
/// supervisor mode) whose scope is an <see cref="IFeatureScope"/>. Feature scenarios and feature
/// program operations run only on targets that implement it (<c>Scenario.RunsOn</c>); the seed ports
/// and the zoo's asyncio ports do not.
/// </summary>
public interface IFeatureTarget : IGroupTarget
{
    /// <summary>Runs <paramref name="body"/> in a new group configured by <paramref name="options"/>
    /// and waits for all its children.</summary>
    /// <param name="body">The group's body.</param>
    /// <param name="options">The group's options; its <see cref="TaskGroupOptions.TimeProvider"/> is the
    /// scenario's virtual clock.</param>
    /// <param name="events">Where a target that is not the real group reports its lifecycle events.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    Task RunAsync(Func<IFeatureScope, Task> body, TaskGroupOptions options, ITaskGroupListener events, CancellationToken cancellationToken);
}
