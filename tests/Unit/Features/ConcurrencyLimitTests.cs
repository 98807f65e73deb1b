using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit.Features;

/// <summary>TaskGroupOptions.MaxConcurrency: never exceeded, Spawn never blocks, queued children
/// start in order, and never with an uncancelled token after the group was cancelled.</summary>
public class ConcurrencyLimitTests
{
    [Fact]
    public async Task Limit_ManyChildren_NeverExceededAndAllRun()
    {
        int running = 0, maxSeen = 0, finished = 0;
        await TaskGroup.RunAsync(g =>
        {
            for (int i = 0; i < 200; i++)
            {
                _ = g.Spawn(async _ =>
                {
                    int now = Interlocked.Increment(ref running);
                    InterlockedMax(ref maxSeen, now);
                    await Jitter();
                    await Task.Yield();
                    Interlocked.Decrement(ref running);
                    Interlocked.Increment(ref finished);
                });
            }

            return Task.CompletedTask;
        }, new TaskGroupOptions { MaxConcurrency = 3 }).Guard();
        Assert.Equal(200, finished);
        Assert.InRange(maxSeen, 1, 3);
    }

    [Fact]
    public async Task Limit_SpawnOverTheLimit_ReturnsAtOnceAndStartsInSpawnOrder()
    {
        var gate = Signal();
        var order = new List<int>();
        Task run = TaskGroup.RunAsync(g =>
        {
            for (int i = 0; i < 6; i++)
            {
                int n = i;
                Task child = g.Spawn(async _ =>
                {
                    lock (order)
                    {
                        order.Add(n);
                    }

                    await gate.Task;
                });
                Assert.False(child.IsCompleted); // Spawn did not block on the limit
            }

            lock (order)
            {
                Assert.Equal(new[] { 0, 1 }, order); // only two started
            }

            gate.SetResult();
            return Task.CompletedTask;
        }, new TaskGroupOptions { MaxConcurrency = 2 });
        await AssertSucceeded(run);
        Assert.Equal(Enumerable.Range(0, 6), order);
    }

    [Fact]
    public async Task Limit_QueuedChildrenAfterCancel_StartWithCancelledToken()
    {
        var tokensCancelledAtStart = new List<bool>();
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(ct => Forever(ct)); // holds the only slot
            for (int i = 0; i < 5; i++)
            {
                _ = g.Spawn(ct =>
                {
                    lock (tokensCancelledAtStart)
                    {
                        tokensCancelledAtStart.Add(ct.IsCancellationRequested);
                    }

                    return Task.CompletedTask;
                });
            }

            g.Cancel();
            return Task.CompletedTask;
        }, new TaskGroupOptions { MaxConcurrency = 1 });
        await AssertSucceeded(run);
        Assert.Equal(5, tokensCancelledAtStart.Count);
        Assert.All(tokensCancelledAtStart, Assert.True);
    }

    [Fact]
    public async Task Limit_QueuedChildResultAndFailure_ReachTheReturnedTaskAndTheGroup()
    {
        var boom = Boom("queued");
        Task<int>? value = null;
        Task? failing = null;
        var gate = Signal();
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(async _ => await gate.Task);
            value = g.Spawn(async _ => { await Task.Yield(); return 42; });
            failing = g.Spawn(async _ => { await Task.Yield(); throw boom; });
            Assert.False(value.IsCompleted);
            gate.SetResult();
            return Task.CompletedTask;
        }, new TaskGroupOptions { MaxConcurrency = 1 });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Same(boom, Assert.Single(ex.InnerExceptions));
        Assert.Equal(42, await value!);
        Assert.Same(boom, await Assert.ThrowsAsync<TestFailureException>(() => failing!));
    }

    [Fact]
    public async Task Limit_ManySynchronousQueuedChildren_NoStackOverflow()
    {
        int ran = 0;
        var gate = Signal();
        await TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(async _ => await gate.Task);
            for (int i = 0; i < 100_000; i++)
            {
                _ = g.Spawn(_ => { ran++; return Task.CompletedTask; });
            }

            gate.SetResult();
            return Task.CompletedTask;
        }, new TaskGroupOptions { MaxConcurrency = 1 }).Guard();
        Assert.Equal(100_000, ran);
    }

    private static void InterlockedMax(ref int location, int value)
    {
        int seen = Volatile.Read(ref location);
        while (value > seen)
        {
            int previous = Interlocked.CompareExchange(ref location, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }

    [Fact]
    public async Task Limit_QueuedChildCancelled_ReturnedTaskCarriesTheChildsToken()
    {
        var gate = Signal();
        using var privateSource = new CancellationTokenSource();
        privateSource.Cancel();
        Task? groupTokenChild = null, privateTokenChild = null;
        CancellationToken groupToken = default;
        await TaskGroup.RunAsync(g =>
        {
            groupToken = g.Token;
            _ = g.Spawn(_ => gate.Task); // holds the only slot
            groupTokenChild = g.Spawn(ct => Task.FromCanceled(ct.IsCancellationRequested ? ct : throw new InvalidOperationException("started uncancelled")));
            privateTokenChild = g.Spawn(_ => Task.FromCanceled(privateSource.Token));
            g.Cancel();
            gate.SetResult();
            return Task.CompletedTask;
        }, new TaskGroupOptions { MaxConcurrency = 1 }).Guard();

        // The proxies Spawn returned end like the children did: Canceled, with the child's own token.
        var first = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => groupTokenChild!);
        Assert.Equal(groupToken, first.CancellationToken);
        var second = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => privateTokenChild!);
        Assert.Equal(privateSource.Token, second.CancellationToken);
    }
}
