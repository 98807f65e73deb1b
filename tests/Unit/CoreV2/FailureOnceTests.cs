using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit.CoreV2;

/// <summary>The same exception instance reaching the group twice is one failure; distinct
/// exceptions are all kept, in order.</summary>
public class FailureOnceTests
{
    [Fact]
    public async Task FailureOnce_BodyReturnsFailedChildTask_ReportedOnce()
    {
        var boom = Boom("a");
        Task run = TaskGroup.RunAsync(g => g.Spawn(async _ => { await Task.Yield(); throw boom; }));
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Same(boom, Assert.Single(ex.InnerExceptions));
    }

    [Fact]
    public async Task FailureOnce_BodyAwaitsWhenAllOfFailedChildren_EachReportedOnceInOrder()
    {
        var a = Boom("a");
        var b = Boom("b");
        Task run = TaskGroup.RunAsync(g => Task.WhenAll(new[]
        {
            g.Spawn(async _ => { await Task.Yield(); throw a; }),
            g.Spawn(async ct =>
            {
                // The group records a failure before it cancels its token, so waiting for the
                // token orders b after a (a signal set before `throw a` let b win the race).
                await WhenCancelled(ct);
                throw b; // in cleanup, after a's failure cancelled the group
            }),
        }));
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Equal(new Exception[] { a, b }, ex.InnerExceptions);
    }

    [Fact]
    public async Task FailureOnce_SiblingAwaitsFailedChildAndRethrows_ReportedOnce()
    {
        var boom = Boom("a");
        Task run = TaskGroup.RunAsync(g =>
        {
            Task first = g.Spawn(async _ => { await Task.Yield(); throw boom; });
            _ = g.Spawn(async _ => await first);
            return Task.CompletedTask;
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Same(boom, Assert.Single(ex.InnerExceptions));
    }

    [Fact]
    public async Task FailureOnce_DistinctExceptionsOfSameType_AllKept()
    {
        var failures = Enumerable.Range(0, 50).Select(i => Boom($"f{i}")).ToArray();
        Task run = TaskGroup.RunAsync(g =>
        {
            foreach (TestFailureException f in failures)
            {
                _ = g.Spawn(_ => throw f); // synchronous: recorded in spawn order
            }

            return Task.CompletedTask;
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Equal(failures, ex.InnerExceptions);
    }

    [Fact]
    public async Task FailureOnce_ManyChildrenRethrowSameInstance_ReportedOnce()
    {
        var boom = Boom("shared");
        Task run = TaskGroup.RunAsync(g =>
        {
            for (int i = 0; i < 100; i++)
            {
                _ = g.Spawn(async _ => { await Task.Yield(); throw boom; });
            }

            return Task.CompletedTask;
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Same(boom, Assert.Single(ex.InnerExceptions));
    }
}
