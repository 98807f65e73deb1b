namespace TaskGroups.Unit;

/// <summary>Shared plumbing: timeouts, handshakes, jitter and outcome assertions.</summary>
internal static class TestSupport
{
    /// <summary>Every await of a group in these tests is bounded: a hang fails instead of blocking CI.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Bounds <paramref name="task"/> by <see cref="Timeout"/>; its outcome passes through unchanged.</summary>
    public static Task Guard(this Task task) => task.WaitAsync(Timeout);

    /// <inheritdoc cref="Guard(Task)"/>
    public static Task<T> Guard<T>(this Task<T> task) => task.WaitAsync(Timeout);

    /// <summary>A handshake whose continuations never run inline on the thread that signals it.</summary>
    public static TaskCompletionSource Signal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when <paramref name="token"/> is cancelled (never faults).</summary>
    public static Task WhenCancelled(CancellationToken token)
    {
        var tcs = Signal();
        token.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), tcs);
        return tcs.Task;
    }

    /// <summary>Blocks the child until the token fires, then throws the group's own signal.</summary>
    public static Task Forever(CancellationToken token) => Task.Delay(System.Threading.Timeout.Infinite, token);

    /// <summary>Random scheduling noise: nothing, a yield to the pool, or a short spin.</summary>
    public static async ValueTask Jitter()
    {
        switch (Random.Shared.Next(4))
        {
            case 0:
                break;
            case 1:
                await Task.Yield();
                break;
            case 2:
                Thread.SpinWait(Random.Shared.Next(1, 300));
                break;
            default:
                await Task.Yield();
                Thread.SpinWait(Random.Shared.Next(1, 100));
                break;
        }
    }

    /// <summary>Asserts the group faulted with exactly one <see cref="TaskGroupException"/> and returns it.</summary>
    public static async Task<TaskGroupException> AssertFaulted(Task run)
    {
        TaskGroupException exception = await Assert.ThrowsAsync<TaskGroupException>(() => run.Guard());
        Assert.Equal(TaskStatus.Faulted, run.Status);
        Assert.Same(exception, Assert.Single(run.Exception!.InnerExceptions));
        return exception;
    }

    /// <summary>Asserts the group ended Canceled and awaiting it throws an OCE carrying <paramref name="callerToken"/>.</summary>
    public static async Task AssertCanceled(Task run, CancellationToken callerToken)
    {
        OperationCanceledException oce = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.Guard());
        Assert.Equal(TaskStatus.Canceled, run.Status);
        Assert.Equal(callerToken, oce.CancellationToken);
    }

    /// <summary>Asserts the group ran to completion.</summary>
    public static async Task AssertSucceeded(Task run)
    {
        await run.Guard();
        Assert.Equal(TaskStatus.RanToCompletion, run.Status);
    }

    /// <summary>Runs <paramref name="iteration"/> <paramref name="count"/> times, each bounded by the timeout.</summary>
    public static async Task Repeat(int count, Func<int, Task> iteration)
    {
        for (int i = 0; i < count; i++)
        {
            try
            {
                await iteration(i).Guard();
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                throw new InvalidOperationException($"Iteration {i} failed.", ex);
            }
            catch (Xunit.Sdk.XunitException ex)
            {
                throw new Xunit.Sdk.XunitException($"Iteration {i}: {ex.Message}");
            }
        }
    }

    /// <summary>A failure that is easy to tell apart from anything the runtime throws.</summary>
    public static TestFailureException Boom(string tag) => new(tag);
}

/// <summary>A marker failure thrown by children in these tests.</summary>
public sealed class TestFailureException(string tag) : Exception(tag)
{
    public string Tag { get; } = tag;
}
