namespace TaskGroups.Harness.Targets;

/// <summary>
/// A cancel reason kept in a field that every <c>Cancel(reason)</c> call assigns: a later call
/// overwrites the reason of the cancellation that actually happened. Trio 0.31's cancel reasons (and
/// AnyIO 4.11's) keep the first: "if the scope is cancelled several times, the first reason is kept".
/// </summary>
internal sealed class ReasonLastWinsTarget : FeatureVariantTarget
{
    public override string Name => "reason-last-wins";

    public override string Description => "CancellationReason overwritten by every later Cancel(reason)";

    public override string Source => "https://trio.readthedocs.io/en/stable/reference-core.html#trio.CancelScope.cancel (cancel reasons, Trio 0.31)";

    public override string Breaks => "feature rule cancel-reason (a later cause overwrites the first)";

    protected override IFeatureScope CreateScope(TaskGroup group, TaskGroupOptions options) => new Scope(group);

    private sealed class Scope(TaskGroup group) : TaskGroupTarget.Scope(group)
    {
        private volatile string? _reason;

        public override string? CancellationReason => _reason ?? Group.CancellationReason;

        public override void Cancel(string? reason)
        {
            _reason = reason ?? "Cancel() was called";
            Group.Cancel(reason);
        }
    }
}
