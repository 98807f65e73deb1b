namespace TaskGroups.Harness.Targets;

/// <summary>The real <see cref="TaskGroup"/>.</summary>
public sealed class TaskGroupTarget : IGroupTarget
{
    /// <inheritdoc/>
    public string Name => "taskgroup";

    /// <inheritdoc/>
    public string Description => "TaskGroups.TaskGroup, the library under test";

    /// <inheritdoc/>
    public Task RunAsync(Func<IGroupScope, Task> body, ITaskGroupListener events, CancellationToken cancellationToken) =>
        TaskGroup.RunAsync(group => body(new Scope(group)), cancellationToken);

    private sealed class Scope(TaskGroup group) : IGroupScope
    {
        public long Id => group.Id;

        public CancellationToken Token => group.Token;

        public Task Spawn(Func<CancellationToken, Task> work) => group.Spawn(work);

        public Task<T> Spawn<T>(Func<CancellationToken, Task<T>> work) => group.Spawn(work);

        public void Cancel() => group.Cancel();

        public bool? CancellationCaught => group.CancellationCaught;
    }
}
