namespace TaskGroups.Harness.Targets;

/// <summary>
/// An implementation of the task-group contract that scenarios run against: the real
/// <see cref="TaskGroup"/>, or a faithful port of an approach from the seed discussion, flaws included.
/// </summary>
public interface IGroupTarget
{
    /// <summary>The name used on the command line (<c>--target NAME</c>).</summary>
    string Name { get; }

    /// <summary>One line saying what the target is.</summary>
    string Description { get; }

    /// <summary>Runs <paramref name="body"/> in a new group and waits for all its children.</summary>
    /// <param name="body">The group's body.</param>
    /// <param name="events">Where the group reports its lifecycle events (the real group reports
    /// through <see cref="TaskGroupDiagnostics"/> instead, so it ignores this).</param>
    /// <param name="cancellationToken">The caller's token.</param>
    Task RunAsync(Func<IGroupScope, Task> body, ITaskGroupListener events, CancellationToken cancellationToken);
}
