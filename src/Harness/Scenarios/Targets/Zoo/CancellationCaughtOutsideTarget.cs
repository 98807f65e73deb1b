namespace TaskGroups.Harness.Targets;

/// <summary>
/// A group whose <c>CancellationCaught</c> (Trio's <c>cancelled_caught</c>) says "Cancel() was called"
/// instead of "the group ended successfully because it cancelled itself": when the caller's
/// cancellation (or a failure) ended the group, it still reports that it caught its own cancellation —
/// the question AnyIO's fix for #1214 had to settle (PR #1330: "they set cancelled_caught=True and I
/// leave it False in this case"). Breaks the outcome table's second row, which the spec ties to
/// CancellationCaught. Source: https://github.com/agronholm/anyio/pull/1330.
/// </summary>
internal sealed class CancellationCaughtOutsideTarget : MiniTarget, IBrokenTarget
{
    public override string Name => "cancellation-caught-outside";

    public override string Description => "CancellationCaught is true whenever Cancel() was called, even when the caller's cancellation ended the group";

    public string Source => "https://github.com/agronholm/anyio/pull/1330 (cancelled_caught when an outer cancellation also landed)";

    public string Breaks => "outcome table row 2 (CancellationCaught only after a quiet self-cancel)";

    protected override MiniGroup Create(ITaskGroupListener events, CancellationToken callerToken) => new Group(events, callerToken);

    private sealed class Group(ITaskGroupListener events, CancellationToken callerToken) : MiniGroup(events, callerToken)
    {
        private volatile bool _cancelCalled;

        public override void Cancel()
        {
            _cancelCalled = true;
            base.Cancel();
        }

        protected override void Decide(Exception[] failures, TaskGroupCancelCause cause, bool callerCancelled)
        {
            base.Decide(failures, cause, callerCancelled);
            CancellationCaught = _cancelCalled;
        }
    }
}
