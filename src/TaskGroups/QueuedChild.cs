namespace TaskGroups;

/// <summary>A child spawned over <see cref="TaskGroupOptions.MaxConcurrency"/>: it waits in the
/// limiter's queue, and <c>Spawn</c> returned <see cref="Proxy"/>, which takes the child's
/// outcome once the child has run.</summary>
internal abstract class QueuedChild(int childId)
{
    /// <summary>The child's diagnostics id.</summary>
    public int ChildId { get; } = childId;

    /// <summary>What <see cref="TaskGroup.Spawn(Func{CancellationToken, Task})"/> returned for the child.</summary>
    public abstract Task Proxy { get; }

    /// <summary>Invokes the child's delegate (it receives the group's token as it is now).</summary>
    public abstract Task Start(TaskGroup group);

    /// <summary>Gives <see cref="Proxy"/> the outcome of the child's own <paramref name="task"/>.</summary>
    public abstract void CompleteProxy(Task task);

    /// <summary>Marks a faulted proxy's exception observed: the group reports it, so an un-awaited
    /// proxy must not raise <see cref="TaskScheduler.UnobservedTaskException"/>.</summary>
    protected static void MarkObserved(Task proxy)
    {
        if (proxy.IsFaulted)
        {
            _ = proxy.Exception;
        }
    }
}
