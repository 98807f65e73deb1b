using TaskGroups.Verification;

namespace TaskGroups.Systematic.Verification;

/// <summary>
/// A deliberately broken task group written for the tests: it reports its lifecycle to the checker of
/// the running <c>Systematic.Verify</c> schedule exactly as the library does (the group's token, the
/// caller's token and the run task on every event), so that a test shows <c>Verify</c> catching the
/// bug from what the events reveal — the checker reads the tokens and the task itself. One flaw each.
/// </summary>
internal sealed class BrokenGroup
{
    private static long s_nextId = 3_000_000_000;

    private readonly InvariantChecker _checker;
    private readonly CancellationTokenSource _cts = new();
    private readonly TaskCompletionSource _done = new();
    private readonly CancellationToken _caller;
    private readonly Flaw _flaw;
    private int _children;

    private BrokenGroup(Flaw flaw, CancellationToken caller)
    {
        _checker = TaskGroups.Verification.Systematic.CurrentChecker ?? throw new InvalidOperationException("not inside Systematic.Verify");
        _flaw = flaw;
        _caller = caller;
        Id = Interlocked.Increment(ref s_nextId);
    }

    public enum Flaw
    {
        /// <summary>Correct (the control): Cancel() cancels the token inline, a late Spawn throws, the caller's
        /// cancellation ends the group Canceled.</summary>
        None,

        /// <summary>Cancel() hands the cancellation to Task.Run (invariant 7).</summary>
        DeferredCancel,

        /// <summary>Spawn after completion runs the child (invariant 8).</summary>
        AcceptsLateSpawn,

        /// <summary>The caller's cancellation is ignored and reported as a literal false (invariant 3).</summary>
        IgnoresCaller,
    }

    public long Id { get; }

    public Task Completion => _done.Task;

    /// <summary>Opens a group, runs <paramref name="body"/> (awaited), then completes.</summary>
    public static async Task<BrokenGroup> RunAsync(Flaw flaw, Func<BrokenGroup, Task> body, CancellationToken caller = default)
    {
        var g = new BrokenGroup(flaw, caller);
        g.Report(TaskGroupEventKind.GroupOpened);
        g.Report(TaskGroupEventKind.ChildStarted);
        await body(g);
        g.Report(TaskGroupEventKind.ChildCompleted, status: TaskStatus.RanToCompletion);
        bool callerCancelled = caller.IsCancellationRequested && flaw != Flaw.IgnoresCaller;
        TaskStatus status = callerCancelled ? TaskStatus.Canceled : TaskStatus.RanToCompletion;
        g.Report(TaskGroupEventKind.GroupCompleted, status: status, callerCancelled: callerCancelled);
        if (callerCancelled)
        {
            g._done.SetCanceled(caller);
        }
        else
        {
            g._done.SetResult();
        }

        return g;
    }

    public async Task CancelAsync()
    {
        Task cancelling = Task.CompletedTask;
        if (_flaw == Flaw.DeferredCancel)
        {
            cancelling = Task.Run(_cts.Cancel);
        }
        else
        {
            _cts.Cancel();
        }

        Report(TaskGroupEventKind.CancelReturned);
        await cancelling;
        Report(TaskGroupEventKind.CancelRequested, cause: TaskGroupCancelCause.Cancel);
    }

    /// <summary>Spawns a child that completes at once.</summary>
    public void Spawn(Action child)
    {
        if (_done.Task.IsCompleted && _flaw != Flaw.AcceptsLateSpawn)
        {
            Report(TaskGroupEventKind.SpawnRejected);
            throw new InvalidOperationException("the group has completed");
        }

        int id = ++_children;
        Report(TaskGroupEventKind.ChildSpawned, id);
        Report(TaskGroupEventKind.ChildStarted, id);
        child();
        Report(TaskGroupEventKind.ChildCompleted, id, TaskStatus.RanToCompletion);
    }

    private void Report(TaskGroupEventKind kind, int child = 0, TaskStatus status = default, TaskGroupCancelCause cause = default, bool callerCancelled = false) =>
        _checker.OnEvent(new TaskGroupEvent(
            kind, Id, 0, child, status, cause, null, _cts.IsCancellationRequested, callerCancelled, reason: null, _done.Task, _cts.Token, _caller));
}
