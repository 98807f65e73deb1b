namespace TaskGroups.Harness.Targets;

/// <summary>
/// CPython gh-128588, ported: with an eager task factory (CPython 3.12) a child that fails during its
/// first, inline step is reported before the group is set up to collect it; the group aborts — it
/// cancels its parent task — but the error is not collected, and the parent's <c>CancelledError</c>
/// leaks out of the group instead of the error: the group ends Canceled although nobody outside
/// cancelled it, and the failure is lost (invariant 5, and row 3 of the outcome table).
/// Source: https://github.com/python/cpython/issues/128588 ("Cancellation leaks out of
/// asyncio.TaskGroup on 3.12 when using eager tasks").
/// </summary>
internal sealed class CPythonGh128588Target : AsyncioTarget, IBrokenTarget
{
    public override string Name => "cpython-gh-128588";

    public override string Description => "CPython gh-128588: an eager child failing in its first step leaks the group's own cancellation and loses the error";

    public string Source => "https://github.com/python/cpython/issues/128588";

    public string Breaks => "invariant 5 (the failure is lost; the group ends Canceled without an outside cancellation)";

    protected override (AsyncioGroup, IGroupScope) Create(ITaskGroupListener events, CancellationToken callerToken)
    {
        var group = new Group(events, callerToken);
        return (group, new AsyncioCancelScope(group));
    }

    private sealed class Group(ITaskGroupListener events, CancellationToken callerToken) : AsyncioGroup(events, callerToken)
    {
        protected override bool RefusesSpawnWhileAborting => false;

        private readonly HashSet<Task> _failedEagerly = [];
        private volatile bool _leaked;

        protected override bool Eager => true;

        protected override void OnEagerStepDone(Task task)
        {
            if (task.IsFaulted)
            {
                lock (_failedEagerly)
                {
                    _failedEagerly.Add(task);
                }

                _leaked = true;
                Abort(TaskGroupCancelCause.Failure); // self._parent_task.cancel()
            }
        }

        protected override bool RecordsError(Exception e, Task task)
        {
            lock (_failedEagerly)
            {
                return !_failedEagerly.Contains(task); // done before _on_task_done was attached
            }
        }

        protected override void Decide(Exception[] errors)
        {
            if (errors.Length == 0 && _leaked)
            {
                EndCanceled(BodyToken); // the parent's CancelledError propagates out of __aexit__
                return;
            }

            base.Decide(errors);
        }
    }
}
