namespace TaskGroups.Harness.Targets;

/// <summary>
/// CPython's TaskGroup with <c>cancel()</c>, as shipped: <c>create_task</c> on a group that is
/// aborting raises <c>RuntimeError('TaskGroup … is shutting down')</c>, so a child that spawns a
/// sibling (or cleanup work) while the group is being cancelled crashes with an error caused by the
/// cancellation itself. The spec requires <c>Spawn</c> not to throw because of cancellation: a late
/// child starts already cancelled (invariant 2). Source: https://github.com/python/cpython/issues/115957
/// (the "is shutting down" RuntimeError raised from a child's finally block).
/// </summary>
internal sealed class CPythonShuttingDownTarget : AsyncioTarget, IBrokenTarget
{
    public override string Name => "cpython-shutting-down";

    public override string Description => "CPython TaskGroup: create_task while the group aborts raises 'is shutting down'";

    public string Source => "https://github.com/python/cpython/issues/115957 (RuntimeError: TaskGroup is shutting down)";

    public string Breaks => "invariant 2 (Spawn throws because of cancellation)";

    protected override (AsyncioGroup, IGroupScope) Create(ITaskGroupListener events, CancellationToken callerToken)
    {
        var group = new AsyncioGroup(events, callerToken);
        return (group, new AsyncioCancelScope(group));
    }
}
