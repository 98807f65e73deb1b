namespace TaskGroups;

/// <summary>A queued child with a result.</summary>
/// <typeparam name="T">The child's result.</typeparam>
internal sealed class QueuedWorkOf<T>(Func<CancellationToken, Task<T>> work, int childId) : QueuedChild(childId)
{
    private readonly TaskCompletionSource<T> _proxy = new();

    public override Task Proxy => _proxy.Task;

    /// <summary>The typed proxy, returned by <see cref="TaskGroup.Spawn{T}"/>.</summary>
    public Task<T> TypedProxy => _proxy.Task;

    public override Task Start(TaskGroup group) => group.InvokeChild(work, ChildId);

    /// <inheritdoc cref="QueuedWork.CompleteProxy"/>
    public override void CompleteProxy(Task task)
    {
        _proxy.TrySetFromTask((Task<T>)task);
        MarkObserved(_proxy.Task);
    }
}
