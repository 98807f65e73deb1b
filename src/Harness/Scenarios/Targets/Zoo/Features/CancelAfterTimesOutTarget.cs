namespace TaskGroups.Harness.Targets;

/// <summary>
/// CancelAfter built on the deadline path: it cancels at its time and then reports the run as timed
/// out, as Trio's <c>fail_after</c> does — but CancelAfter is <c>move_on_after</c>, which ends quietly
/// (<c>cancelled_caught</c>). A group that cancelled itself on schedule throws TimeoutException.
/// </summary>
internal sealed class CancelAfterTimesOutTarget : FeatureVariantTarget
{
    public override string Name => "cancel-after-times-out";

    public override string Description => "CancelAfter that throws TimeoutException (fail_after instead of move_on_after)";

    public override string Source => "https://trio.readthedocs.io/en/stable/reference-core.html#trio.move_on_after (quiet) versus trio.fail_after (raises)";

    public override string Breaks => "feature rule timeout (a TimeoutException without a deadline); outcome table row 2";

    public override async Task RunAsync(Func<IFeatureScope, Task> body, TaskGroupOptions options, ITaskGroupListener events, CancellationToken cancellationToken)
    {
        Scope? scope = null;
        await TaskGroup.RunAsync(group => body(scope = new Scope(group, options.TimeProvider)), options, cancellationToken);
        if (scope is { Fired: true })
        {
            throw new TimeoutException("CancelAfter elapsed");
        }
    }

    private sealed class Scope(TaskGroup group, TimeProvider time) : TaskGroupTarget.Scope(group)
    {
        private ITimer? _timer;

        public bool Fired { get; private set; }

        public override void CancelAfter(TimeSpan delay)
        {
            _timer?.Dispose();
            _timer = time.CreateTimer(
                _ =>
                {
                    Fired = true;
                    Group.Cancel("CancelAfter elapsed");
                },
                null, delay, Timeout.InfiniteTimeSpan);
        }
    }
}
