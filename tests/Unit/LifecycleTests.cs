using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit;

/// <summary>Invariant 8 (closed after completion), argument validation, and the documented
/// decisions about where children run.</summary>
public class LifecycleTests
{
    private static async Task<TaskGroup> CompletedGroup(Func<TaskGroup, Task> body, CancellationToken token = default)
    {
        TaskGroup? seen = null;
        Task run = TaskGroup.RunAsync(g => { seen = g; return body(g); }, token);
        try
        {
            await run.Guard();
        }
        catch (Exception ex) when (ex is TaskGroupException or OperationCanceledException)
        {
        }

        Assert.True(run.IsCompleted);
        return seen!;
    }

    [Fact]
    public async Task Invariant8_SpawnAfterSuccess_ThrowsInvalidOperationAndNeverRunsDelegate()
    {
        TaskGroup g = await CompletedGroup(_ => Task.CompletedTask);
        bool ran = false;
        Assert.Throws<InvalidOperationException>(() => { _ = g.Spawn(ct => { ran = true; return Task.CompletedTask; }); });
        Assert.Throws<InvalidOperationException>(() => { _ = g.Spawn(ct => { ran = true; return Task.FromResult(1); }); });
        Assert.False(ran);
    }

    [Fact]
    public async Task Invariant8_SpawnAfterFault_ThrowsInvalidOperation()
    {
        TaskGroup g = await CompletedGroup(_ => throw Boom("x"));
        Assert.Throws<InvalidOperationException>(() => { _ = g.Spawn(ct => Task.CompletedTask); });
    }

    [Fact]
    public async Task Invariant8_SpawnAfterCanceled_ThrowsInvalidOperation()
    {
        using var caller = new CancellationTokenSource();
        caller.Cancel();
        TaskGroup g = await CompletedGroup(_ => Task.CompletedTask, caller.Token);
        Assert.Throws<InvalidOperationException>(() => { _ = g.Spawn(ct => Task.CompletedTask); });
    }

    [Fact]
    public async Task Invariant8_SpawnAfterSelfCancel_ThrowsInvalidOperation()
    {
        TaskGroup g = await CompletedGroup(g => { g.Cancel(); return Task.CompletedTask; });
        Assert.Throws<InvalidOperationException>(() => { _ = g.Spawn<int>(ct => Task.FromResult(1)); });
    }

    [Fact]
    public async Task Invariant8_SpawnFromLeakedChildAfterCompletion_Throws()
    {
        // A child hands the group to code that outlives it (here: a continuation after completion).
        TaskGroup? seen = null;
        Task run = TaskGroup.RunAsync(g => { seen = g; _ = g.Spawn(async ct => await Task.Yield()); return Task.CompletedTask; });
        Exception? thrown = null;
        Task late = run.ContinueWith(_ => thrown = Record.Exception(() => { _ = seen!.Spawn(ct => Task.CompletedTask); }), TaskScheduler.Default);
        await AssertSucceeded(run);
        await late.Guard();
        Assert.IsType<InvalidOperationException>(thrown);
    }

    [Fact]
    public void RunAsync_NullBody_ThrowsArgumentNull() =>
        Assert.Throws<ArgumentNullException>(() => { _ = TaskGroup.RunAsync(null!); });

    [Fact]
    public async Task Spawn_NullWork_ThrowsArgumentNullAndGroupUnaffected()
    {
        bool threw = false;
        Task run = TaskGroup.RunAsync(g =>
        {
            threw = Record.Exception(() => { _ = g.Spawn((Func<CancellationToken, Task>)null!); }) is ArgumentNullException
                && Record.Exception(() => { _ = g.Spawn((Func<CancellationToken, Task<int>>)null!); }) is ArgumentNullException;
            return Task.CompletedTask;
        });
        await AssertSucceeded(run);
        Assert.True(threw);
    }

    [Fact]
    public async Task Spawn_RunsInlineUntilFirstAwait()
    {
        // Documented decision: the child's delegate runs on the calling thread until its first await.
        int spawnerThread = -1;
        int childThread = -2;
        bool ranBeforeSpawnReturned = false;
        Task run = TaskGroup.RunAsync(g =>
        {
            spawnerThread = Environment.CurrentManagedThreadId;
            bool ran = false;
            _ = g.Spawn(async ct => { ran = true; childThread = Environment.CurrentManagedThreadId; await Task.Yield(); });
            ranBeforeSpawnReturned = ran;
            return Task.CompletedTask;
        });
        await AssertSucceeded(run);
        Assert.True(ranBeforeSpawnReturned);
        Assert.Equal(spawnerThread, childThread);
    }

    [Fact]
    public async Task Spawn_ChildReceivesGroupToken()
    {
        bool same = false;
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(ct => { same = ct == g.Token; return Task.CompletedTask; });
            return Task.CompletedTask;
        });
        await AssertSucceeded(run);
        Assert.True(same);
    }

    [Fact]
    public async Task Token_CancellingGroupNeverCancelsCallerToken()
    {
        using var caller = new CancellationTokenSource();
        Task run = TaskGroup.RunAsync(g => { g.Cancel(); return Task.CompletedTask; }, caller.Token);
        await AssertSucceeded(run);
        Assert.False(caller.IsCancellationRequested);
    }

    [Fact]
    public async Task Spawn_DuringShutdownAfterBodyReturned_AcceptedAndWaitedFor()
    {
        bool grandchildDone = false;
        var bodyReturned = Signal();
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(async ct =>
            {
                await bodyReturned.Task;
                _ = g.Spawn(async ct2 => { await Task.Yield(); grandchildDone = true; });
            });
            bodyReturned.SetResult();
            return Task.CompletedTask;
        });
        await AssertSucceeded(run);
        Assert.True(grandchildDone);
    }

    [Fact]
    public async Task Spawn_DeepNesting_DoesNotOverflowStack()
    {
        // Children run inline: a long chain of synchronously spawned groups must not overflow.
        int depth = 0;
        Task Nest(CancellationToken ct, int level) => TaskGroup.RunAsync(g =>
        {
            Interlocked.Increment(ref depth);
            if (level < 3000)
            {
                _ = g.Spawn(c => Nest(c, level + 1));
            }

            return Task.CompletedTask;
        }, ct);
        await Nest(CancellationToken.None, 0).Guard();
        Assert.Equal(3001, depth);
    }

    [Fact]
    public async Task Cancel_DeepNestingChain_CancelsEveryLevelWithoutOverflowingStack()
    {
        // The cancellation cascades through every level's caller-token registration inline; at this
        // depth that would overflow a thread-pool stack (seen at ~27,500 levels) without the
        // fresh-stack fallback. A stack overflow kills the test host, which fails the run.
        const int Levels = 40_000;
        int reached = 0;
        var innermostReady = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task Nest(CancellationToken ct, int level) => TaskGroup.RunAsync(g =>
        {
            Interlocked.Increment(ref reached);
            _ = level < Levels
                ? g.Spawn(c => Nest(c, level + 1))
                : g.Spawn(async c =>
                {
                    var cancelled = new TaskCompletionSource();
                    using (c.Register(() => cancelled.TrySetResult()))
                    {
                        innermostReady.TrySetResult();
                        await cancelled.Task;
                    }

                    c.ThrowIfCancellationRequested();
                });
            return Task.CompletedTask;
        }, ct);

        TaskGroup? root = null;
        Task run = TaskGroup.RunAsync(g =>
        {
            root = g;
            _ = g.Spawn(c => Nest(c, 1));
            return Task.CompletedTask;
        });
        await innermostReady.Task.Guard();
        await Task.Run(() => root!.Cancel()); // on a thread-pool thread: the smaller stack
        await run.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(TaskStatus.RanToCompletion, run.Status);
        Assert.True(root!.CancellationCaught);
        Assert.Equal(Levels, reached);
    }
}
