namespace TaskGroups.Harness.Programs;

/// <summary>
/// Start a child with <c>StartAsync&lt;int&gt;</c> (Trio's <c>nursery.start</c>) and await the handshake:
/// the child's <see cref="StartedOp"/> completes it with the child's id; a failure before that comes out of
/// <c>StartAsync</c> (the awaiting task catches it and goes on), never out of the group; after it, a failure
/// fails the group. <paramref name="Child"/> holds simple operations only (no spawn, group, start, shield,
/// private timeout) and at most one <see cref="StartedOp"/>.
/// </summary>
public sealed record StartOp(Block Child) : Op
{
    /// <inheritdoc/>
    public override int Count => 1 + Child.Count;
}
