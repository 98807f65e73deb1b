namespace TaskGroups.Harness.Targets;

/// <summary>
/// CPython gh-155418, ported: with an eager task factory a child runs inline inside
/// <c>create_task</c> and is added to the group's task set only after its first step; a child that calls
/// <c>tg.cancel()</c> in that step aborts a group whose set does not contain it yet, so it is never
/// cancelled, and the group hangs waiting for it (invariant 7: when <c>Cancel()</c> returns every child's
/// token is cancelled; invariant 2). Source: https://github.com/python/cpython/issues/155418.
/// </summary>
internal sealed class CPythonGh155418Target : AsyncioTarget, IBrokenTarget
{
    public override string Name => "cpython-gh-155418";

    public override string Description => "CPython gh-155418: an eager child's cancel() before its first suspension misses the child itself";

    public string Source => "https://github.com/python/cpython/issues/155418";

    public string Breaks => "invariant 7 (Cancel() returns with a running child uncancelled), invariant 2";

    protected override (AsyncioGroup, IGroupScope) Create(ITaskGroupListener events, CancellationToken callerToken)
    {
        var group = new Group(events, callerToken);
        return (group, new AsyncioCancelScope(group));
    }

    private sealed class Group(ITaskGroupListener events, CancellationToken callerToken) : AsyncioGroup(events, callerToken)
    {
        protected override bool RefusesSpawnWhileAborting => false;

        protected override bool Eager => true;
    }
}
