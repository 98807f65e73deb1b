namespace TaskGroups.Harness.Targets;

/// <summary>
/// AnyIO #1214, ported: when a cancel scope cancels its host task and a native <c>Task.cancel()</c>
/// from outside lands in the same event-loop cycle, asyncio folds both into one <c>CancelledError</c>
/// carrying the scope's message; the scope takes it for its own and swallows it, and the host returns
/// normally. Here: a caller's cancellation that arrives while the group's own cancellation is still
/// being delivered (before any task has reacted to it) is folded into it and lost; one arriving later
/// is honoured (invariant 3, racing case). Source: https://github.com/agronholm/anyio/issues/1214.
/// </summary>
internal sealed class AnyioGh1214Target : AsyncioTarget, IBrokenTarget
{
    public override string Name => "anyio-1214-folded-cancel";

    public override string Description => "AnyIO #1214: an outside cancellation racing the group's own is folded into it and swallowed";

    public string Source => "https://github.com/agronholm/anyio/issues/1214";

    public string Breaks => "invariant 3 (the caller's cancellation racing Cancel() is swallowed)";

    protected override (AsyncioGroup, IGroupScope) Create(ITaskGroupListener events, CancellationToken callerToken)
    {
        var group = new Group(events, callerToken);
        return (group, new AsyncioCancelScope(group, () => group.OwnCancelInFlight = true));
    }

    private sealed class Group(ITaskGroupListener events, CancellationToken callerToken) : AsyncioGroup(events, callerToken)
    {
        protected override bool RefusesSpawnWhileAborting => false;

        public volatile bool OwnCancelInFlight;
        private volatile bool _outsideCancelSeen;

        protected override void OnCallerCancelled()
        {
            if (!OwnCancelInFlight)
            {
                _outsideCancelSeen = true; // not folded: delivered as a separate cancellation
            }

            base.OnCallerCancelled();
        }

        protected override void OnTaskDone() => OwnCancelInFlight = false; // a task reacted: the cycle is over

        protected override void Decide(Exception[] errors)
        {
            if (errors.Length == 0)
            {
                if (_outsideCancelSeen)
                {
                    EndCanceled(CallerToken);
                }
                else
                {
                    EndSuccessfully(); // the folded CancelledError carried the scope's message
                }

                return;
            }

            base.Decide(errors);
        }
    }
}
