namespace TaskGroups.Harness.Targets;

/// <summary>
/// <see cref="MiniGroup"/> without a flaw: a second, independent implementation of the contract. The
/// contract suite requires it to pass every scenario — evidence that the checker is not fitted to the
/// library's internals, and that each zoo target built on the same base is caught for its own bug.
/// </summary>
internal sealed class MiniReferenceTarget : MiniTarget
{
    public override string Name => "mini-reference";

    public override string Description => "the zoo's compact base group, unflawed (must stay clean)";

    protected override MiniGroup Create(ITaskGroupListener events, CancellationToken callerToken) => new(events, callerToken);
}
