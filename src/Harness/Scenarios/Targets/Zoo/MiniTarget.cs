namespace TaskGroups.Harness.Targets;

/// <summary>A target built on <see cref="MiniGroup"/>: one group per run, made by <see cref="Create"/>.</summary>
internal abstract class MiniTarget : IGroupTarget
{
    public abstract string Name { get; }

    public abstract string Description { get; }

    public Task RunAsync(Func<IGroupScope, Task> body, ITaskGroupListener events, CancellationToken cancellationToken)
    {
        MiniGroup group = Create(events, cancellationToken);
        group.Start(body);
        return group.Completion;
    }

    protected abstract MiniGroup Create(ITaskGroupListener events, CancellationToken callerToken);
}
