namespace TaskGroups.Harness.Targets;

/// <summary>The body's view of an asyncio port with CPython 3.15's <c>TaskGroup.cancel()</c>: abort
/// the group (cancel every child and the parent task), and exit without an error.</summary>
internal sealed class AsyncioCancelScope(AsyncioGroup group, Action? onCancel = null) : AsyncioScope(group)
{
    public override void Cancel()
    {
        onCancel?.Invoke();
        Group.Abort(TaskGroupCancelCause.Cancel);
    }
}
