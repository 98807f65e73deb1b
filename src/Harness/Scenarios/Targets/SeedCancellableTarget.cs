namespace TaskGroups.Harness.Targets;

/// <summary>
/// The answer's <c>CancellableTaskGroup</c> from the seed discussion, ported faithfully:
/// <c>cancel()</c> schedules a child that raises a private <c>_CancelRequestException</c>, which
/// aborts the group like any error; on exit the group treats that exception alone as success.
/// Flaws kept: cancellation is not immediate (it waits for the scheduled child to run), and when the
/// caller's cancellation arrives too, it is swallowed with the private exception (CPython gh-155433);
/// <c>cancel()</c> on a finished group raises, as <c>create_task</c> does.
/// </summary>
public sealed class SeedCancellableTarget : IBrokenTarget
{
    /// <inheritdoc/>
    public string Name => "seed-cancellable";

    /// <inheritdoc/>
    public string Source => "the seed discussion (shared/seed): the answer cancel() schedules a task raising a private exception";

    /// <inheritdoc/>
    public string Breaks => "invariant 7 (Cancel() is not immediate), invariant 3";

    /// <inheritdoc/>
    public string Description => "seed answer: CancellableTaskGroup, cancel() schedules a child that raises a private exception";

    /// <inheritdoc/>
    public async Task RunAsync(Func<IGroupScope, Task> body, ITaskGroupListener events, CancellationToken cancellationToken)
    {
        var group = new AsyncioGroup(events, cancellationToken);
        group.RunBody(() => body(new Scope(group)));
        try
        {
            await group.Completion;
        }
        catch (AggregateException errors)
        {
            // except* _CancelRequestException: pass — then `return True` swallows what is left of the
            // cancellation; other errors are re-raised.
            Exception[] rest = [.. errors.InnerExceptions.Where(e => e is not CancelRequestException)];
            if (rest.Length > 0)
            {
                throw new AggregateException(rest);
            }
        }
    }

    private sealed class CancelRequestException : Exception
    {
        public CancelRequestException()
            : base("_CancelRequestException")
        {
        }
    }

    private sealed class Scope(AsyncioGroup group) : AsyncioScope(group)
    {
        /// <summary><c>self.create_task(_raise_cancel_request())</c></summary>
        public override void Cancel() =>
            _ = Group.CreateTask<bool>(_ => throw new CancelRequestException());
    }
}
