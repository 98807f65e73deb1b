using Microsoft.Extensions.Time.Testing;
using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit.Features;

/// <summary>RunAsync&lt;T&gt;: the body's result once every child finished, and the same outcome
/// table as RunAsync for everything else (both overloads).</summary>
public class ResultTests
{
    [Fact]
    public async Task RunAsyncOfT_BodyAwaitsChildValues_ReturnsTheBodysResult()
    {
        int result = await TaskGroup.RunAsync(async g =>
        {
            Task<int> a = g.Spawn(async _ => { await Task.Yield(); return 20; });
            Task<int> b = g.Spawn(_ => Task.FromResult(22));
            return await a + await b;
        }).Guard();
        Assert.Equal(42, result);
    }

    [Fact]
    public async Task RunAsyncOfT_WithOptions_ReturnsTheBodysResult()
    {
        string result = await TaskGroup.RunAsync(async g =>
        {
            await g.Spawn(async _ => await Task.Yield());
            return "done";
        }, new TaskGroupOptions { MaxConcurrency = 1 }).Guard();
        Assert.Equal("done", result);
    }

    [Fact]
    public async Task RunAsyncOfT_ChildFails_ThrowsTaskGroupExceptionWithTheFailure()
    {
        var boom = Boom("child");
        Task<int> run = TaskGroup.RunAsync(async g =>
        {
            _ = g.Spawn(async _ => { await Task.Yield(); throw boom; });
            await Forever(g.Token);
            return 1;
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Same(boom, Assert.Single(ex.InnerExceptions));
    }

    [Fact]
    public async Task RunAsyncOfT_BodyFails_ThrowsTaskGroupExceptionAndCancelsChildren()
    {
        var boom = Boom("body");
        bool childCancelled = false;
        Task<int> run = TaskGroup.RunAsync<int>(async g =>
        {
            _ = g.Spawn(async ct =>
            {
                await WhenCancelled(ct);
                childCancelled = true;
            });
            await Task.Yield();
            throw boom;
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Same(boom, Assert.Single(ex.InnerExceptions));
        Assert.True(childCancelled);
    }

    [Fact]
    public async Task RunAsyncOfT_CallerCancels_CanceledWithTheCallersToken()
    {
        using var caller = new CancellationTokenSource();
        Task<int> run = TaskGroup.RunAsync(async g =>
        {
            _ = g.Spawn(ct => Forever(ct));
            await Forever(g.Token);
            return 1;
        }, caller.Token);
        caller.Cancel();
        await AssertCanceled(run, caller.Token);
    }

    [Fact]
    public async Task RunAsyncOfT_BodyEndsWithOwnCancellation_QuietDefaultAndCancellationCaught()
    {
        TaskGroup? seen = null;
        int result = await TaskGroup.RunAsync(async g =>
        {
            seen = g;
            _ = g.Spawn(async _ => { await Task.Yield(); g.Cancel(); });
            await Forever(g.Token); // ends with the group's own cancellation: no result
            return 7;
        }).Guard();
        Assert.Equal(0, result);
        Assert.True(seen!.CancellationCaught);
    }

    [Fact]
    public async Task RunAsyncOfT_CancelledButBodyReturnsAValue_KeepsTheValue()
    {
        int result = await TaskGroup.RunAsync(g =>
        {
            g.Cancel();
            return Task.FromResult(9);
        }).Guard();
        Assert.Equal(9, result);
    }

    [Fact]
    public async Task RunAsyncOfT_DeadlineFirst_ThrowsTimeoutException()
    {
        var clock = new FakeTimeProvider();
        Task<int> run = TaskGroup.RunAsync(async g =>
        {
            await Forever(g.Token);
            return 1;
        }, new TaskGroupOptions { Timeout = TimeSpan.FromSeconds(5), TimeProvider = clock });
        clock.Advance(TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<TimeoutException>(() => run.Guard());
    }
}
