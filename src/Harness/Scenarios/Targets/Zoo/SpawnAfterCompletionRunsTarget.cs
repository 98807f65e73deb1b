namespace TaskGroups.Harness.Targets;

/// <summary>
/// A group whose <c>Spawn</c> on a completed group starts the work detached instead of refusing it —
/// what a hand-rolled "list of tasks" group does once nobody awaits the list any more. The child runs
/// unsupervised after the group completed (invariants 8 and 1). CPython's TaskGroup raises
/// <c>RuntimeError('TaskGroup … is finished')</c> there, and left the coroutine unawaited before it was
/// fixed. Source: https://github.com/python/cpython/issues/115957.
/// </summary>
internal sealed class SpawnAfterCompletionRunsTarget : MiniTarget, IBrokenTarget
{
    public override string Name => "spawn-after-completion-runs";

    public override string Description => "Spawn on a completed group runs the child detached instead of throwing";

    public string Source => "https://github.com/python/cpython/issues/115957 (create_task on a finished TaskGroup: 'is finished')";

    public string Breaks => "invariant 8 (closed after completion), invariant 1 (child code after completion)";

    protected override MiniGroup Create(ITaskGroupListener events, CancellationToken callerToken) => new Group(events, callerToken);

    private sealed class Group(ITaskGroupListener events, CancellationToken callerToken) : MiniGroup(events, callerToken)
    {
        public override Task<T> Spawn<T>(Func<CancellationToken, Task<T>> work)
        {
            if (Completion.IsCompleted)
            {
                return work(Token); // "the list is closed, but the work still has to run"
            }

            return base.Spawn(work);
        }
    }
}
