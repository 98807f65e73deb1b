namespace TaskGroups.Harness.Targets;

/// <summary>
/// A group that cancels its children with <c>try { cts.Cancel(); } catch (AggregateException) { }</c>:
/// an exception thrown by a child's token registration during the cancellation — which
/// <c>CancellationTokenSource.Cancel</c> collects into an AggregateException — is swallowed instead of
/// failing the group (invariant 5: "no lost errors", including ones thrown while cleaning up).
/// Source: https://learn.microsoft.com/dotnet/api/system.threading.cancellationtokensource.cancel
/// (Cancel throws an AggregateException holding every exception thrown by the registered callbacks), and
/// CPython GH-95704 for the class (errors raised during cancellation cleanup lost).
/// </summary>
internal sealed class RegistrationFailureLostTarget : MiniTarget, IBrokenTarget
{
    public override string Name => "registration-failure-lost";

    public override string Description => "a token registration that throws during Cancel() is swallowed";

    public string Source => "https://learn.microsoft.com/dotnet/api/system.threading.cancellationtokensource.cancel (callbacks' exceptions come back as AggregateException)";

    public string Breaks => "invariant 5 (a failure thrown while cancelling is lost)";

    protected override MiniGroup Create(ITaskGroupListener events, CancellationToken callerToken) => new Group(events, callerToken);

    private sealed class Group(ITaskGroupListener events, CancellationToken callerToken) : MiniGroup(events, callerToken)
    {
        protected override void CancelToken()
        {
            try
            {
                Cts.Cancel();
            }
            catch (AggregateException)
            {
                // "a callback failed; we are cancelling anyway"
            }
        }
    }
}
