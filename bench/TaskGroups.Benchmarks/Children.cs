namespace TaskGroups.Benchmarks;

/// <summary>The kinds of child work every scenario can run; both sides of a comparison run the same one.</summary>
public enum ChildKind
{
    /// <summary>An async child that yields once (<c>await Task.Yield()</c>), so its continuation runs
    /// on the thread pool: real scheduling on both sides. The fair comparison for spawn+join.</summary>
    Yielding,

    /// <summary>A child that completes synchronously. TaskGroup runs it inline (no scheduling at all)
    /// while the hand-rolled pattern still pays Task.Run: this shows the best case for TaskGroup.</summary>
    Sync,

    /// <summary>Waits 1 ms on a timer (<c>Task.Delay(1, ct)</c>), like a short I/O.</summary>
    Timer,

    /// <summary>Blocked until its token is cancelled: <c>Task.Delay(Timeout.Infinite, ct)</c>.</summary>
    Delay,

    /// <summary>Blocked until its token is cancelled: a TaskCompletionSource completed from
    /// <c>ct.Register</c> (the form the Coyote tests use).</summary>
    TcsRegister,
}

/// <summary>The child work. Static methods, so every delegate to them is cached by the compiler
/// and neither side pays a closure for the child itself.</summary>
public static class Children
{
    /// <summary>Yields once, then checks its token like real work would.</summary>
    public static async Task Yielding(CancellationToken ct)
    {
        await Task.Yield();
        ct.ThrowIfCancellationRequested();
    }

    /// <summary>Waits 1 ms on a timer, like a short I/O: completes on the timer thread.</summary>
    public static Task Timer(CancellationToken ct) => Task.Delay(1, ct);

    /// <summary>Completes synchronously.</summary>
    public static Task Sync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>Blocked until <paramref name="ct"/> is cancelled; ends Canceled with it.</summary>
    public static Task Delay(CancellationToken ct) => Task.Delay(Timeout.Infinite, ct);

    /// <summary>Blocked until <paramref name="ct"/> is cancelled; ends Canceled with it.</summary>
    public static Task TcsRegister(CancellationToken ct)
    {
        var tcs = new TaskCompletionSource();
        ct.Register(static state =>
        {
            var (source, token) = ((TaskCompletionSource, CancellationToken))state!;
            source.TrySetCanceled(token);
        }, (tcs, ct));
        return tcs.Task;
    }

    /// <summary>Fails after yielding once, so that its siblings are already blocked.</summary>
    public static async Task Failing(CancellationToken ct)
    {
        await Task.Yield();
        throw new InvalidOperationException("child failed");
    }

    /// <summary>The delegate for <paramref name="kind"/>.</summary>
    public static Func<CancellationToken, Task> Of(ChildKind kind) => kind switch
    {
        ChildKind.Yielding => Yielding,
        ChildKind.Sync => Sync,
        ChildKind.Timer => Timer,
        ChildKind.Delay => Delay,
        ChildKind.TcsRegister => TcsRegister,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
