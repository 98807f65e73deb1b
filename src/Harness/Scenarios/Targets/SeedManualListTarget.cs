namespace TaskGroups.Harness.Targets;

/// <summary>
/// The question's code from the seed discussion, ported faithfully: an <c>asyncio.TaskGroup</c>
/// without a cancel method, where "cancel everything" is each job looping over a shared list of the
/// tasks and cancelling them one by one, skipping itself. Flaws kept: the group's own token is never
/// cancelled, tasks created after the loop ran are never cancelled, and the calling task is not.
/// </summary>
public sealed class SeedManualListTarget : IBrokenTarget
{
    /// <inheritdoc/>
    public string Name => "seed-manual-list";

    /// <inheritdoc/>
    public string Source => "the seed discussion (shared/seed): the question cancels the tasks of a shared list one by one";

    /// <inheritdoc/>
    public string Breaks => "invariant 7 (the group token is never cancelled), invariant 2";

    /// <inheritdoc/>
    public string Description => "seed question: each job cancels the tasks of a shared list one by one";

    /// <inheritdoc/>
    public Task RunAsync(Func<IGroupScope, Task> body, ITaskGroupListener events, CancellationToken cancellationToken)
    {
        var group = new AsyncioGroup(events, cancellationToken);
        group.RunBody(() => body(new Scope(group)));
        return group.Completion;
    }

    private sealed class Scope(AsyncioGroup group) : AsyncioScope(group)
    {
        /// <summary>
        /// <c>for task in tasks: if task == current_task(): continue; task.cancel()</c>
        /// </summary>
        public override void Cancel()
        {
            AsyncioGroup.Child? current = AsyncioGroup.CurrentChild;
            foreach (AsyncioGroup.Child task in Group.ChildrenSnapshot())
            {
                if (task == current)
                {
                    continue;
                }

                task.Cts.Cancel();
            }
        }
    }
}
