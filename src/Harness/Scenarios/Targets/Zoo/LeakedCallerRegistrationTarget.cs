namespace TaskGroups.Harness.Targets;

/// <summary>
/// A group that links itself to the caller's token and never releases the link — the classic
/// undisposed <c>CancellationTokenSource.CreateLinkedTokenSource(ct)</c>: each group leaves a
/// registration on the caller's token, so running many groups on one long-lived token (an
/// application's shutdown token) grows memory without bound (invariant 9).
/// Source: https://learn.microsoft.com/dotnet/api/system.threading.cancellationtokensource.createlinkedtokensource
/// (remarks: dispose the linked source when done, to release its registrations).
/// </summary>
internal sealed class LeakedCallerRegistrationTarget : MiniTarget, IBrokenTarget
{
    public override string Name => "leaked-caller-registration";

    public override string Description => "the group's registration on the caller's token is never released";

    public string Source => "https://learn.microsoft.com/dotnet/api/system.threading.cancellationtokensource.createlinkedtokensource (dispose to release the registration)";

    public string Breaks => "invariant 9 (a registration on the caller's token outlives the group)";

    protected override MiniGroup Create(ITaskGroupListener events, CancellationToken callerToken) => new Group(events, callerToken);

    private sealed class Group(ITaskGroupListener events, CancellationToken callerToken) : MiniGroup(events, callerToken)
    {
        protected override void ReleaseCaller()
        {
            // forgotten: the registration stays on the caller's token
        }
    }
}
