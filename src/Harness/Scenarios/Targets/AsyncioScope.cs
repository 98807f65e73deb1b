namespace TaskGroups.Harness.Targets;

/// <summary>What the body of an <see cref="AsyncioGroup"/> sees; the seed targets differ only in
/// how they cancel.</summary>
internal abstract class AsyncioScope(AsyncioGroup group) : IGroupScope
{
    protected AsyncioGroup Group { get; } = group;

    public long Id => Group.Id;

    public CancellationToken Token => Group.BodyToken;

    public Task Spawn(Func<CancellationToken, Task> work) =>
        Group.CreateTask<bool>(async ct => { await work(ct); return true; });

    public Task<T> Spawn<T>(Func<CancellationToken, Task<T>> work) => Group.CreateTask(work);

    public abstract void Cancel();
}
