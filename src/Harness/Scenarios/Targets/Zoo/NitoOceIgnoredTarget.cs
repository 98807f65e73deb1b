namespace TaskGroups.Harness.Targets;

/// <summary>
/// Nito.StructuredConcurrency's rule, ported: "task groups always ignore any work that is cancelled
/// (i.e., task groups catch and ignore OperationCanceledException)", whatever its source, and the group
/// ends normally. A caller's cancellation that only the children observe is lost (invariant 3), and a
/// child's private timeout is swallowed (invariant 5).
/// Source: https://github.com/StephenCleary/StructuredConcurrency (README, "Cancellation"; TaskGroup.cs
/// summary: "OperationCanceledExceptions from child tasks are ignored. This is true regardless of the
/// source of the cancellation").
/// </summary>
internal sealed class NitoOceIgnoredTarget : MiniTarget, IBrokenTarget
{
    public override string Name => "nito-oce-ignored";

    public override string Description => "Nito.StructuredConcurrency: every child OperationCanceledException is ignored, whatever cancelled it";

    public string Source => "https://github.com/StephenCleary/StructuredConcurrency (README: task groups catch and ignore OperationCanceledException)";

    public string Breaks => "invariant 3 (caller's cancellation lost), invariant 5 (private timeout swallowed)";

    protected override MiniGroup Create(ITaskGroupListener events, CancellationToken callerToken) => new Group(events, callerToken);

    private sealed class Group(ITaskGroupListener events, CancellationToken callerToken) : MiniGroup(events, callerToken)
    {
        protected override bool IsOwnSignal(IReadOnlyList<Exception> exceptions) =>
            exceptions.All(e => e is OperationCanceledException);

        protected override void Decide(Exception[] failures, TaskGroupCancelCause cause, bool callerCancelled)
        {
            if (failures.Length > 0)
            {
                Fail(failures, callerCancelled);
            }
            else
            {
                Succeed(caught: cause == TaskGroupCancelCause.Cancel, callerCancelled); // the group's task never ends Canceled
            }
        }
    }
}
