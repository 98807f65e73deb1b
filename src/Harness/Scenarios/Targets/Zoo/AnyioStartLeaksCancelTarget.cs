namespace TaskGroups.Harness.Targets;

/// <summary>
/// AnyIO #685, ported: a task started into an outer group from inside an inner group is still tied
/// to the inner group's cancellation (it runs in the spawner's cancel scope until it is re-parented);
/// cancelling the inner group cancels that task, and the cancellation leaks into the outer group,
/// which cancels itself and every other task it runs. An inner group's own <c>Cancel()</c> must never
/// cancel the outer group (invariant 4). Source: https://github.com/agronholm/anyio/issues/685.
/// </summary>
internal sealed class AnyioStartLeaksCancelTarget : MiniTarget, IBrokenTarget
{
    private static readonly AsyncLocal<MiniGroup?> s_current = new();

    public override string Name => "anyio-685-start-leaks-cancel";

    public override string Description => "AnyIO #685: a child spawned into an outer group from an inner group inherits the inner group's cancellation, which then cancels the outer group";

    public string Source => "https://github.com/agronholm/anyio/issues/685";

    public string Breaks => "invariant 4 (an inner group's Cancel() cancels the outer group)";

    protected override MiniGroup Create(ITaskGroupListener events, CancellationToken callerToken) => new Group(events, callerToken);

    private sealed class Group(ITaskGroupListener events, CancellationToken callerToken) : MiniGroup(events, callerToken)
    {
        protected override Task<T> StartChild<T>(int id, Func<CancellationToken, Task<T>> work)
        {
            MiniGroup? spawner = s_current.Value;
            CancellationToken token = spawner is not null && spawner != this
                ? CancellationTokenSource.CreateLinkedTokenSource(Token, spawner.Token).Token // still in the spawner's scope
                : Token;
            MiniGroup? previous = s_current.Value;
            s_current.Value = this;
            try
            {
                Emit(TaskGroupEventKind.ChildStarted, id);
                return work(token);
            }
            catch (Exception e)
            {
                return Task.FromException<T>(e);
            }
            finally
            {
                s_current.Value = previous;
            }
        }

        protected override void Observe(Task task, int childId, IReadOnlyList<Exception> exceptions)
        {
            if (exceptions.All(e => e is OperationCanceledException) && !Cts.IsCancellationRequested)
            {
                Cancel(); // the leaked cancellation cancels this group's scope
                return;
            }

            base.Observe(task, childId, exceptions);
        }
    }
}
