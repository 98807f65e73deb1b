namespace TaskGroups.Harness.Targets;

/// <summary>
/// CPython gh-116720, ported: once a group aborts for its own reason (a child's error or its own
/// cancel), it counts every cancellation of its parent task as the one it requested itself and stops
/// watching for more; a cancellation of the parent arriving afterwards — the enclosing group's — is
/// swallowed, and the nested group ends successfully inside a cancelled parent (invariant 4; for an
/// outermost group, invariant 3). Source: https://github.com/python/cpython/issues/116720 ("Nested
/// TaskGroup can silently swallow cancellation request from parent TaskGroup").
/// </summary>
internal sealed class CPythonGh116720Target : AsyncioTarget, IBrokenTarget
{
    public override string Name => "cpython-gh-116720";

    public override string Description => "CPython gh-116720: a group that aborted itself swallows its parent's later cancellation";

    public string Source => "https://github.com/python/cpython/issues/116720";

    public string Breaks => "invariant 4 (a nested group swallows the outer group's cancellation)";

    protected override (AsyncioGroup, IGroupScope) Create(ITaskGroupListener events, CancellationToken callerToken)
    {
        var group = new Group(events, callerToken);
        return (group, new AsyncioCancelScope(group, group.AbortedItself));
    }

    private sealed class Group(ITaskGroupListener events, CancellationToken callerToken) : AsyncioGroup(events, callerToken)
    {
        protected override bool RefusesSpawnWhileAborting => false;

        private volatile bool _parentCancelSeen;
        private volatile bool _selfAborted;

        public void AbortedItself()
        {
            _selfAborted = true;
            ReleaseCaller(); // "the parent's cancellation is ours now": no longer watched
        }

        protected override void OnCallerCancelled()
        {
            if (!_selfAborted)
            {
                _parentCancelSeen = true;
            }

            base.OnCallerCancelled();
        }

        protected override void Decide(Exception[] errors)
        {
            if (errors.Length == 0)
            {
                if (_parentCancelSeen)
                {
                    EndCanceled(CallerToken);
                }
                else
                {
                    EndSuccessfully(); // uncancel() consumed the parent's request as its own
                }

                return;
            }

            base.Decide(errors);
        }
    }
}
