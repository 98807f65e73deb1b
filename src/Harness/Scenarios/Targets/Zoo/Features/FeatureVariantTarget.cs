namespace TaskGroups.Harness.Targets;

/// <summary>
/// The base of the zoo's beyond-the-seed variants: the real <see cref="TaskGroup"/> with one feature
/// built the way a hand-rolled implementation plausibly builds it, bug included. On seed scenarios
/// (no options) a variant is exactly the real group, so it is caught only where its feature is used.
/// </summary>
internal abstract class FeatureVariantTarget : IFeatureTarget, IBrokenTarget
{
    public abstract string Name { get; }

    public abstract string Description { get; }

    public abstract string Source { get; }

    public abstract string Breaks { get; }

    public Task RunAsync(Func<IGroupScope, Task> body, ITaskGroupListener events, CancellationToken cancellationToken) =>
        TaskGroup.RunAsync(group => body(new TaskGroupTarget.Scope(group)), cancellationToken);

    public virtual Task RunAsync(Func<IFeatureScope, Task> body, TaskGroupOptions options, ITaskGroupListener events, CancellationToken cancellationToken) =>
        TaskGroup.RunAsync(group => body(CreateScope(group, options)), options, cancellationToken);

    /// <summary>The scope the body sees; a variant overrides the member its bug is in.</summary>
    protected virtual IFeatureScope CreateScope(TaskGroup group, TaskGroupOptions options) => new TaskGroupTarget.Scope(group);
}
