namespace TaskGroups.Harness.Targets;

/// <summary>
/// StartAsync built as Spawn plus a TaskCompletionSource: the child runs in the group from the start,
/// so a failure before <c>started</c> fails (and cancels) the group as well as StartAsync. In Trio the
/// task runs in a private nursery inside <c>start()</c> and "only moves to its real nursery once it
/// calls task_status.started()": a failure before that is raised by <c>start()</c> alone.
/// </summary>
internal sealed class StartFailureToGroupTarget : FeatureVariantTarget
{
    public override string Name => "start-failure-to-group";

    public override string Description => "StartAsync as Spawn + TaskCompletionSource: a failure before started also fails the group";

    public override string Source => "https://github.com/python-trio/trio/pull/1600 (start() runs the task in a private nursery until started())";

    public override string Breaks => "feature rule start (a failure before started is reported to the group)";

    protected override IFeatureScope CreateScope(TaskGroup group, TaskGroupOptions options) => new Scope(group);

    private sealed class Scope(TaskGroup group) : TaskGroupTarget.Scope(group)
    {
        public override Task<T> StartAsync<T>(Func<Action<T>, CancellationToken, Task> work)
        {
            var value = new TaskCompletionSource<T>();
            _ = Group.Spawn(async ct =>
            {
                try
                {
                    await work(
                        v =>
                        {
                            if (!value.TrySetResult(v))
                            {
                                throw new InvalidOperationException("started was called twice.");
                            }
                        },
                        ct);
                    value.TrySetException(new InvalidOperationException("the child finished without calling started."));
                }
                catch (Exception e)
                {
                    value.TrySetException(e);
                    throw; // the bug: before started, the failure is StartAsync's only
                }
            });
            return value.Task;
        }
    }
}
