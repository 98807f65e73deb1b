namespace TaskGroups.Harness.Targets;

/// <summary>
/// CPython gh-155433, ported: after <c>tg.cancel()</c> the group's <c>__aexit__</c> calls
/// <c>uncancel()</c> and, the cancellation being "its own", swallows every <c>CancelledError</c> — also
/// one requested from outside afterwards (an outer <c>asyncio.timeout</c> firing while a child cleans
/// up). The caller's cancellation is lost: the group ends successfully (invariant 3).
/// Source: https://github.com/python/cpython/issues/155433.
/// </summary>
internal sealed class CPythonGh155433Target : AsyncioTarget, IBrokenTarget
{
    public override string Name => "cpython-gh-155433";

    public override string Description => "CPython gh-155433: after tg.cancel(), a cancellation from outside is swallowed";

    public string Source => "https://github.com/python/cpython/issues/155433";

    public string Breaks => "invariant 3 (the caller's cancellation after Cancel() is swallowed)";

    protected override (AsyncioGroup, IGroupScope) Create(ITaskGroupListener events, CancellationToken callerToken)
    {
        var group = new Group(events, callerToken);
        return (group, new AsyncioCancelScope(group, () => group.CancelCalled = true));
    }

    private sealed class Group(ITaskGroupListener events, CancellationToken callerToken) : AsyncioGroup(events, callerToken)
    {
        protected override bool RefusesSpawnWhileAborting => false;

        public volatile bool CancelCalled;

        protected override void Decide(Exception[] errors)
        {
            if (errors.Length == 0 && CancelCalled)
            {
                EndSuccessfully(); // _parent_cancel_requested: uncancel(), propagate_cancellation_error = None
                return;
            }

            base.Decide(errors);
        }
    }
}
