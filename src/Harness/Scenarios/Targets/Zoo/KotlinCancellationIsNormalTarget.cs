namespace TaskGroups.Harness.Targets;

/// <summary>
/// kotlinx.coroutines' rule, ported: a child that ends with a <c>CancellationException</c> completed
/// "normally" — the exception is not a failure and does not cancel the parent or the siblings — even
/// when nothing cancelled the scope (a foreign or private cancellation, such as a child's own timeout).
/// The caller's cancellation is still honoured by state. Breaks the second revision of the own-signal
/// rule: while the group's token is not cancelled every OperationCanceledException is a failure that
/// fails the group and cancels its siblings (invariants 5 and 6).
/// Source: https://github.com/Kotlin/kotlinx.coroutines/pull/630 ("they all consider
/// CancellationException to be the case of normal cancellation that does not propagate to parent"),
/// and https://github.com/Kotlin/kotlinx.coroutines/issues/3589.
/// </summary>
internal sealed class KotlinCancellationIsNormalTarget : MiniTarget, IBrokenTarget
{
    public override string Name => "kotlin-cancellation-is-normal";

    public override string Description => "kotlinx.coroutines: a child's CancellationException is normal completion, even when nothing cancelled the scope";

    public string Source => "https://github.com/Kotlin/kotlinx.coroutines/pull/630 (CancellationException is normal cancellation, not propagated to the parent)";

    public string Breaks => "invariant 5 (a private cancellation is swallowed), invariant 6 (siblings not cancelled)";

    protected override MiniGroup Create(ITaskGroupListener events, CancellationToken callerToken) => new Group(events, callerToken);

    private sealed class Group(ITaskGroupListener events, CancellationToken callerToken) : MiniGroup(events, callerToken)
    {
        protected override bool IsOwnSignal(IReadOnlyList<Exception> exceptions) =>
            exceptions.All(e => e is OperationCanceledException);
    }
}
