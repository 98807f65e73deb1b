namespace TaskGroups.Harness.Targets;

/// <summary>
/// A hand-rolled MaxConcurrency whose check is off by one (<c>running &lt;= limit</c> instead of
/// <c>&lt;</c>): one child more than the limit runs at once. The classic semaphore-sizing mistake;
/// Go's errgroup <c>SetLimit</c> documents the bound it must keep ("at most n goroutines active").
/// </summary>
internal sealed class LimitOffByOneTarget : HandRolledLimitTarget
{
    public override string Name => "limit-off-by-one";

    public override string Description => "a hand-rolled MaxConcurrency that lets limit + 1 children run";

    public override string Source => "https://pkg.go.dev/golang.org/x/sync/errgroup#Group.SetLimit (the bound: at most n active)";

    public override string Breaks => "feature rule limit (more than N children running)";

    protected override bool MayStart(int running, int limit) => running <= limit;

    protected override CancellationToken QueuedToken(TaskGroup group, CancellationToken queueToken) => group.Token;
}
