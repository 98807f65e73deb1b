namespace TaskGroups.Harness.Targets;

/// <summary>
/// A hand-rolled MaxConcurrency whose queue hands waiting children the token it was built with — the
/// caller's, as a queue built on <c>SemaphoreSlim.WaitAsync(callerToken)</c> is — instead of the
/// group's: after <c>Cancel()</c>, a queued child still starts with an uncancelled token (invariant 2;
/// the spec's "after cancellation a queued child never runs with an uncancelled token").
/// </summary>
internal sealed class LimitQueueUncancelledTarget : HandRolledLimitTarget
{
    public override string Name => "limit-queue-uncancelled";

    public override string Description => "a hand-rolled MaxConcurrency whose queued children start with the caller's token, not the group's";

    public override string Source => "https://learn.microsoft.com/dotnet/api/system.threading.semaphoreslim.waitasync (a limiter waiting on the caller's token)";

    public override string Breaks => "invariant 2 (a queued child starts with an uncancelled token after Cancel())";

    protected override bool MayStart(int running, int limit) => running < limit;

    protected override CancellationToken QueuedToken(TaskGroup group, CancellationToken queueToken) => queueToken;
}
