namespace TaskGroups.Benchmarks;

// Each scenario exists twice, once per side, written the way a user would write it. The benchmark
// classes and the side-by-side mode both call these, so they measure exactly the same code.

/// <summary>The hand-rolled pattern TaskGroup replaces: a linked token source, <c>Task.Run</c> per
/// child, a <c>List&lt;Task&gt;</c> and <c>Task.WhenAll</c>.</summary>
public static class HandRolled
{
    /// <summary>Spawns <paramref name="n"/> children and waits for all of them.</summary>
    public static async Task SpawnJoin(int n, Func<CancellationToken, Task> work, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var tasks = new List<Task>();
        for (int i = 0; i < n; i++)
        {
            tasks.Add(Task.Run(() => work(cts.Token)));
        }

        await Task.WhenAll(tasks);
    }

    /// <summary>Spawns <paramref name="n"/> children that block on their token, cancels them all, and
    /// waits for all of them, swallowing only its own cancellation.</summary>
    public static async Task CancelFanOut(int n, Func<CancellationToken, Task> work, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var tasks = new List<Task>();
        for (int i = 0; i < n; i++)
        {
            tasks.Add(Task.Run(() => work(cts.Token)));
        }

        cts.Cancel();
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Our own cancellation: the expected outcome.
        }
    }

    /// <summary>Spawns <paramref name="n"/> blocked children and one that fails; the failure cancels
    /// the rest (fail-fast through a non-throwing continuation, the cheapest hand-rolled form), and
    /// every failure is collected.</summary>
    public static async Task<int> FailureFanOut(int n, Func<CancellationToken, Task> work, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var tasks = new List<Task>();
        for (int i = 0; i < n; i++)
        {
            tasks.Add(FailFast(Task.Run(() => work(cts.Token)), cts));
        }

        tasks.Add(FailFast(Task.Run(() => Children.Failing(cts.Token)), cts));
        Task all = Task.WhenAll(tasks);
        try
        {
            await all;
        }
        catch (InvalidOperationException)
        {
        }

        return all.Exception!.InnerExceptions.Count;
    }

    /// <summary>A chain of <paramref name="depth"/> nested scopes, each with one child; the innermost
    /// child yields once.</summary>
    public static async Task Nested(int depth, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var tasks = new List<Task>
        {
            Task.Run(() => depth == 0 ? Children.Yielding(cts.Token) : Nested(depth - 1, cts.Token)),
        };
        await Task.WhenAll(tasks);
    }

    private static Task FailFast(Task task, CancellationTokenSource cts)
    {
        _ = task.ContinueWith(
            static (_, state) => ((CancellationTokenSource)state!).Cancel(),
            cts,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return task;
    }
}

/// <summary>The same scenarios with <see cref="TaskGroup"/>.</summary>
public static class WithTaskGroup
{
    /// <inheritdoc cref="HandRolled.SpawnJoin"/>
    public static Task SpawnJoin(int n, Func<CancellationToken, Task> work, CancellationToken ct) =>
        TaskGroup.RunAsync(group =>
        {
            for (int i = 0; i < n; i++)
            {
                group.Spawn(work);
            }

            return Task.CompletedTask;
        }, ct);

    /// <inheritdoc cref="HandRolled.CancelFanOut"/>
    public static Task CancelFanOut(int n, Func<CancellationToken, Task> work, CancellationToken ct) =>
        TaskGroup.RunAsync(group =>
        {
            for (int i = 0; i < n; i++)
            {
                group.Spawn(work);
            }

            group.Cancel(); // The group then ends successfully: its own signal is suppressed.
            return Task.CompletedTask;
        }, ct);

    /// <inheritdoc cref="HandRolled.FailureFanOut"/>
    public static async Task<int> FailureFanOut(int n, Func<CancellationToken, Task> work, CancellationToken ct)
    {
        try
        {
            await TaskGroup.RunAsync(group =>
            {
                for (int i = 0; i < n; i++)
                {
                    group.Spawn(work);
                }

                group.Spawn(Children.Failing);
                return Task.CompletedTask;
            }, ct);
        }
        catch (TaskGroupException failures)
        {
            return failures.InnerExceptions.Count;
        }

        throw new InvalidOperationException("the group did not fail");
    }

    /// <inheritdoc cref="HandRolled.Nested"/>
    public static Task Nested(int depth, CancellationToken ct) =>
        TaskGroup.RunAsync(group =>
        {
            group.Spawn(token => depth == 0 ? Children.Yielding(token) : Nested(depth - 1, token));
            return Task.CompletedTask;
        }, ct);
}

/// <summary>The floor: the least a group must do when children run inline — one async method per
/// child called directly, an array, one linked source, <c>Task.WhenAll</c>. No fail-fast, no
/// bookkeeping of failures: what TaskGroup costs above it is the price of its guarantees.</summary>
public static class Floor
{
    /// <inheritdoc cref="HandRolled.SpawnJoin"/>
    public static async Task SpawnJoin(int n, Func<CancellationToken, Task> work, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var tasks = new Task[n];
        for (int i = 0; i < n; i++)
        {
            tasks[i] = work(cts.Token);
        }

        await Task.WhenAll(tasks);
    }

    /// <inheritdoc cref="HandRolled.CancelFanOut"/>
    public static async Task CancelFanOut(int n, Func<CancellationToken, Task> work, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var tasks = new Task[n];
        for (int i = 0; i < n; i++)
        {
            tasks[i] = work(cts.Token);
        }

        cts.Cancel();
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Our own cancellation: the expected outcome.
        }
    }
}
