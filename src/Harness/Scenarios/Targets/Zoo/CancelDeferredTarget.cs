namespace TaskGroups.Harness.Targets;

/// <summary>
/// A group whose <c>Cancel()</c> hands the cancellation to the thread pool (<c>Task.Run(() =>
/// cts.Cancel())</c>, the shape of <c>CancellationTokenSource.CancelAsync</c> and of the seed's
/// <c>create_task(raise …)</c> trick): when <c>Cancel()</c> returns, the group's token is not cancelled yet
/// (invariant 7: no scheduling delay), and a cancellation that runs after the group completed runs
/// registrations of a finished group. Source: https://learn.microsoft.com/dotnet/api/system.threading.cancellationtokensource.cancelasync
/// (callbacks run asynchronously) and the seed discussion (cancel() schedules a task).
/// </summary>
internal sealed class CancelDeferredTarget : MiniTarget, IBrokenTarget
{
    public override string Name => "cancel-deferred";

    public override string Description => "Cancel() cancels the token later, from Task.Run";

    public string Source => "https://learn.microsoft.com/dotnet/api/system.threading.cancellationtokensource.cancelasync (callbacks run asynchronously)";

    public string Breaks => "invariant 7 (Cancel is immediate)";

    protected override MiniGroup Create(ITaskGroupListener events, CancellationToken callerToken) => new Group(events, callerToken);

    private sealed class Group(ITaskGroupListener events, CancellationToken callerToken) : MiniGroup(events, callerToken)
    {
        public override void Cancel() => _ = Task.Run(() => RequestCancel(TaskGroupCancelCause.Cancel));
    }
}
