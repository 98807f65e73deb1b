namespace TaskGroups;

/// <summary>A queued child without a result.</summary>
internal sealed class QueuedWork(Func<CancellationToken, Task> work, int childId) : QueuedChild(childId)
{
    /// <summary>Completed from the child's own task; the result type is a placeholder.</summary>
    private readonly TaskCompletionSource<bool> _proxy = new();

    public override Task Proxy => _proxy.Task;

    public override Task Start(TaskGroup group) => group.InvokeChild(work, ChildId);

    public override void CompleteProxy(Task task)
    {
        if (!TryCopyFailure(task, _proxy))
        {
            _proxy.TrySetResult(true);
        }
    }
}
