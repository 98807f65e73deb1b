namespace TaskGroups.Harness.Targets;

/// <summary>
/// A cancel reason kept in a field that every <c>Cancel(reason)</c> call assigns: a later call
/// overwrites the reason of the cancellation that actually happened. The spec's CancellationReason says
/// why the token was first cancelled, as Trio 0.31's and AnyIO 4.11's cancel reasons describe the
/// cancellation that happened (the rule is the spec's; the Trio page is where the feature comes from).
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
