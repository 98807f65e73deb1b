namespace TaskGroups.Harness.Targets;

/// <summary>
/// Go's <c>errgroup.WithContext</c>, ported: the derived context is cancelled by the first error, and
/// <c>Wait</c> "returns the first non-nil error (if any)" — every later error, including ones returned
/// while cleaning up after that cancellation, is dropped (invariant 5).
/// Source: https://github.com/golang/sync/blob/master/errgroup/errgroup.go (Wait: "returns the first
/// non-nil error (if any) from them"; errOnce).
/// </summary>
internal sealed class GoErrgroupFirstErrorTarget : MiniTarget, IBrokenTarget
{
    public override string Name => "go-errgroup-first-error";

    public override string Description => "Go errgroup: the first error cancels the group; Wait returns only that one";

    public string Source => "https://github.com/golang/sync/blob/master/errgroup/errgroup.go (Wait returns the first non-nil error)";

    public string Breaks => "invariant 5 (every failure after the first is lost)";

    protected override MiniGroup Create(ITaskGroupListener events, CancellationToken callerToken) => new Group(events, callerToken);

    private sealed class Group(ITaskGroupListener events, CancellationToken callerToken) : MiniGroup(events, callerToken)
    {
        protected override void Decide(Exception[] failures, TaskGroupCancelCause cause, bool callerCancelled)
        {
            if (failures.Length > 0)
            {
                Fail([failures[0]], callerCancelled); // errOnce: g.err is set once
            }
            else
            {
                base.Decide(failures, cause, callerCancelled);
            }
        }
    }
}
