namespace TaskGroups;

/// <summary>A queued child without a result.</summary>
internal sealed class QueuedWork(Func<CancellationToken, Task> work, int childId) : QueuedChild(childId)
{
    /// <summary>Completed from the child's own task.</summary>
    private readonly TaskCompletionSource _proxy = new();

    public override Task Proxy => _proxy.Task;

    public override Task Start(TaskGroup group) => group.InvokeChild(work, ChildId);

    /// <summary>The same exceptions, the same cancellation token — copied without rethrowing, which
    /// would cost a throw per child when a cancelled group runs its queue.</summary>
    public override void CompleteProxy(Task task)
    {
        _proxy.TrySetFromTask(task);
        MarkObserved(_proxy.Task);
    }
}
