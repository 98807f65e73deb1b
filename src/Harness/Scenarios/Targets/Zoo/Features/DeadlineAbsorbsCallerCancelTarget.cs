namespace TaskGroups.Harness.Targets;

/// <summary>
/// A deadline built the usual hand-rolled way: a source linked to the caller's token, cancelled by a
/// timer at the deadline, and "if the run was cancelled and the timer fired, it timed out". When the
/// caller cancels first and the timer fires before the group has finished cancelling, the caller's
/// cancellation comes out as a TimeoutException: the deadline absorbs an outer cancellation — the
/// class of AnyIO #1214 (a scope's own cancellation swallowing a concurrent outer one) and CPython
/// gh-155433 (an outer timeout swallowed after the group's own cancel). Nested, it turns the outer
/// group's cancellation into the inner group's TimeoutException (invariant 4).
/// </summary>
internal sealed class DeadlineAbsorbsCallerCancelTarget : FeatureVariantTarget
{
    public override string Name => "deadline-absorbs-caller-cancel";

    public override string Description => "a deadline as a linked source + timer: a caller's cancel racing the timer comes out as TimeoutException";

    public override string Source => "https://github.com/agronholm/anyio/issues/1214 and https://github.com/python/cpython/issues/155433 (the class); the linked-source-plus-timer idiom of CancellationTokenSource.CancelAfter";

    public override string Breaks => "invariant 3 (a deadline absorbs the caller's cancellation), invariant 4 when nested";

    public override async Task RunAsync(Func<IFeatureScope, Task> body, TaskGroupOptions options, ITaskGroupListener events, CancellationToken cancellationToken)
    {
        if (options.Timeout is not { } timeout)
        {
            await base.RunAsync(body, options, events, cancellationToken);
            return;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bool fired = false;
        using ITimer timer = options.TimeProvider.CreateTimer(
            _ =>
            {
                fired = true;
                linked.Cancel();
            },
            null, timeout, Timeout.InfiniteTimeSpan);
        var untimed = new TaskGroupOptions { MaxConcurrency = options.MaxConcurrency, FailFast = options.FailFast, TimeProvider = options.TimeProvider };
        try
        {
            await TaskGroup.RunAsync(group => body(new TaskGroupTarget.Scope(group)), untimed, linked.Token);
        }
        catch (OperationCanceledException) when (fired)
        {
            throw new TimeoutException($"the deadline of {timeout.TotalSeconds} s elapsed"); // the bug: the caller may have cancelled first
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw;
        }
    }
}
