namespace TaskGroups.Harness.Targets;

/// <summary>A target built on a port of asyncio's TaskGroup with <c>cancel()</c>: one group per run.</summary>
internal abstract class AsyncioTarget : IGroupTarget
{
    public abstract string Name { get; }

    public abstract string Description { get; }

    public Task RunAsync(Func<IGroupScope, Task> body, ITaskGroupListener events, CancellationToken cancellationToken)
    {
        (AsyncioGroup group, IGroupScope scope) = Create(events, cancellationToken);
        group.RunBody(() => body(scope));
        return group.Completion;
    }

    protected abstract (AsyncioGroup Group, IGroupScope Scope) Create(ITaskGroupListener events, CancellationToken callerToken);
}
