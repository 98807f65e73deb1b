using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit.CoreV2;

/// <summary>
/// The own-signal rule, second revision, over the common .NET cancellation idioms: whatever token
/// the child's OperationCanceledException carries (or none), it is the group's own signal once the
/// group's token is cancelled — by Cancel(), by a sibling's failure, or by the caller's token.
/// </summary>
public class OwnSignalIdiomTests
{
    private const int Children = 3;

    public static TheoryData<string> Idioms()
    {
        var data = new TheoryData<string>();
        foreach (CancellationIdiom idiom in CancellationIdiom.All)
        {
            data.Add(idiom.Name);
        }

        return data;
    }

    private static CancellationIdiom Idiom(string name) => CancellationIdiom.All.Single(i => i.Name == name);

    [Theory]
    [MemberData(nameof(Idioms))]
    public async Task OwnSignal_AfterCancel_GroupEndsQuietly(string name)
    {
        CancellationIdiom idiom = Idiom(name);
        TaskGroup? seen = null;
        var children = new List<Task>();
        Task run = TaskGroup.RunAsync(async g =>
        {
            seen = g;
            for (int i = 0; i < Children; i++)
            {
                children.Add(g.Spawn(idiom.Block));
            }

            await Task.Yield();
            g.Cancel();
        });
        await AssertSucceeded(run);
        Assert.True(seen!.CancellationCaught);
        Assert.All(children, c => Assert.True(c.IsCanceled || c.IsFaulted, $"{c.Status}"));
    }

    [Theory]
    [MemberData(nameof(Idioms))]
    public async Task OwnSignal_AfterSiblingFailure_OnlyTheRealFailureReported(string name)
    {
        CancellationIdiom idiom = Idiom(name);
        TestFailureException boom = Boom("sibling");
        Task run = TaskGroup.RunAsync(g =>
        {
            for (int i = 0; i < Children; i++)
            {
                _ = g.Spawn(idiom.Block);
            }

            _ = g.Spawn(async _ => { await Task.Yield(); throw boom; });
            return Task.CompletedTask;
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Same(boom, Assert.Single(ex.InnerExceptions));
    }

    [Theory]
    [MemberData(nameof(Idioms))]
    public async Task OwnSignal_AfterCallerCancel_CanceledWithCallerToken(string name)
    {
        CancellationIdiom idiom = Idiom(name);
        using var caller = new CancellationTokenSource();
        Task run = TaskGroup.RunAsync(g =>
        {
            for (int i = 0; i < Children; i++)
            {
                _ = g.Spawn(idiom.Block);
            }

            return idiom.Block(g.Token); // the body blocks the same way
        }, caller.Token);
        await Task.Yield();
        await caller.CancelAsync();
        await AssertCanceled(run, caller.Token);
    }

    [Theory]
    [MemberData(nameof(Idioms))]
    public async Task OwnSignal_ChildSpawnedAfterCancel_EndsQuietly(string name)
    {
        CancellationIdiom idiom = Idiom(name);
        Task run = TaskGroup.RunAsync(g =>
        {
            g.Cancel();
            _ = g.Spawn(idiom.Block); // starts with a cancelled token
            return Task.CompletedTask;
        });
        await AssertSucceeded(run);
    }

    [Fact]
    public async Task OwnSignal_TwoThousandChildrenOnTcsRegister_CancelEndsQuietly()
    {
        // The report that started the second revision: 2,000 TaskCanceledExceptions after Cancel().
        TaskGroup? seen = null;
        Task run = TaskGroup.RunAsync(async g =>
        {
            seen = g;
            for (int i = 0; i < 2000; i++)
            {
                _ = g.Spawn(async ct =>
                {
                    var tcs = new TaskCompletionSource();
                    using CancellationTokenRegistration r = ct.Register(() => tcs.TrySetCanceled());
                    await tcs.Task;
                });
            }

            await Task.Yield();
            g.Cancel();
        });
        await AssertSucceeded(run);
        Assert.True(seen!.CancellationCaught);
    }

    [Fact]
    public async Task OwnSignal_PrivateTimeoutWhileGroupNotCancelled_FailsAndCancelsSiblings()
    {
        var siblingCancelled = Signal();
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(async ct =>
            {
                await WhenCancelled(ct);
                siblingCancelled.TrySetResult();
            });
            _ = g.Spawn(async ct =>
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromMilliseconds(5)); // the child's own deadline
                await Task.Delay(System.Threading.Timeout.Infinite, timeout.Token);
            });
            return Task.CompletedTask;
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.IsAssignableFrom<OperationCanceledException>(Assert.Single(ex.InnerExceptions));
        Assert.True(siblingCancelled.Task.IsCompleted);
    }

    [Fact]
    public async Task OwnSignal_TokenlessOceWhileGroupNotCancelled_IsFailure()
    {
        var oce = new OperationCanceledException();
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(_ => throw oce);
            return Task.CompletedTask;
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Same(oce, Assert.Single(ex.InnerExceptions));
    }

    [Fact]
    public async Task OwnSignal_SynchronousOceFromSpawnDelegate_ChildTaskCanceledLikeAnAsyncMethod()
    {
        var oce = new OperationCanceledException("sync");
        Task? child = null;
        Task run = TaskGroup.RunAsync(g =>
        {
            g.Cancel();
            child = g.Spawn(_ => throw oce);
            return Task.CompletedTask;
        });
        await AssertSucceeded(run);
        Assert.Equal(TaskStatus.Canceled, child!.Status);
        Assert.Same(oce, await Assert.ThrowsAsync<OperationCanceledException>(() => child));
    }

    [Fact]
    public async Task OwnSignal_RegistrationThrowsOceDuringCancel_NotAFailure()
    {
        TaskGroup? seen = null;
        Task run = TaskGroup.RunAsync(g =>
        {
            seen = g;
            _ = g.Spawn(ct =>
            {
                var tcs = new TaskCompletionSource();
                ct.Register(() => throw new OperationCanceledException(ct));
                ct.Register(() => tcs.TrySetCanceled());
                return tcs.Task;
            });
            g.Cancel();
            return Task.CompletedTask;
        });
        await AssertSucceeded(run);
        Assert.True(seen!.CancellationCaught);
    }

    [Fact]
    public async Task OwnSignal_RegistrationThrowsOtherExceptionDuringCancel_IsFailure()
    {
        var boom = Boom("registration");
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(ct =>
            {
                ct.Register(() => throw boom);
                return Task.Delay(System.Threading.Timeout.Infinite, ct);
            });
            g.Cancel();
            return Task.CompletedTask;
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.Same(boom, Assert.Single(ex.InnerExceptions));
    }
}
