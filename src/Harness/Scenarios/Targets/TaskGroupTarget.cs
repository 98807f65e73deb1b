namespace TaskGroups.Harness.Targets;

/// <summary>The real <see cref="TaskGroup"/>, with every beyond-the-seed feature.</summary>
public sealed class TaskGroupTarget : IFeatureTarget
{
    /// <inheritdoc/>
    public string Name => "taskgroup";

    /// <inheritdoc/>
    public string Description => "TaskGroups.TaskGroup, the library under test";

    /// <inheritdoc/>
    public Task RunAsync(Func<IGroupScope, Task> body, ITaskGroupListener events, CancellationToken cancellationToken) =>
        TaskGroup.RunAsync(group => body(new Scope(group)), cancellationToken);

    /// <inheritdoc/>
    public Task RunAsync(Func<IFeatureScope, Task> body, TaskGroupOptions options, ITaskGroupListener events, CancellationToken cancellationToken) =>
        TaskGroup.RunAsync(group => body(new Scope(group)), options, cancellationToken);

    /// <summary>The real group's members, one to one. Public members of the library only, so that
    /// the zoo's feature variants (<c>FeatureVariantTarget</c>) can reuse it and override one decision.</summary>
    internal class Scope(TaskGroup group) : IFeatureScope
    {
        protected TaskGroup Group => group;

        public long Id => group.Id;

        public virtual CancellationToken Token => group.Token;

        public virtual Task Spawn(Func<CancellationToken, Task> work) => group.Spawn(work);

        public virtual Task<T> Spawn<T>(Func<CancellationToken, Task<T>> work) => group.Spawn(work);

        public virtual void Cancel() => group.Cancel();

        public virtual bool? CancellationCaught => group.CancellationCaught;

        public virtual string? CancellationReason => group.CancellationReason;

        public virtual void Cancel(string? reason) => group.Cancel(reason);

        public virtual void CancelAfter(TimeSpan delay) => group.CancelAfter(delay);

        public virtual Task<T> StartAsync<T>(Func<Action<T>, CancellationToken, Task> work) => group.StartAsync(work);

        public virtual Task ShieldAsync(Func<CancellationToken, Task> cleanup, TimeSpan gracePeriod) => group.ShieldAsync(cleanup, gracePeriod);
    }
}
