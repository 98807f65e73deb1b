using System.Runtime.CompilerServices;
using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit;

/// <summary>Tests that measure the whole process (GC heap, the global UnobservedTaskException event)
/// run alone, never next to other test classes.</summary>
[CollectionDefinition(nameof(ProcessWideCollection), DisableParallelization = true)]
public sealed class ProcessWideCollection;

/// <summary>Invariant 9 (balanced bookkeeping on a long-lived caller token) and the "no unobserved
/// child exception" part of invariant 1.</summary>
[Collection(nameof(ProcessWideCollection))]
public class LeakTests
{
    private static async Task RunGroups(int count, CancellationToken caller)
    {
        for (int i = 0; i < count; i++)
        {
            // Alternate outcomes so that every completion path releases its registration.
            switch (i % 4)
            {
                case 0:
                    await TaskGroup.RunAsync(g => { _ = g.Spawn(async ct => await Task.Yield()); return Task.CompletedTask; }, caller);
                    break;
                case 1:
                    await TaskGroup.RunAsync(g => { _ = g.Spawn(ct => Forever(ct)); g.Cancel(); return Task.CompletedTask; }, caller);
                    break;
                case 2:
                    try
                    {
                        await TaskGroup.RunAsync(g => { _ = g.Spawn(ct => Forever(ct)); throw Boom("leak"); }, caller);
                    }
                    catch (TaskGroupException)
                    {
                    }

                    break;
                default:
                    await TaskGroup.RunAsync(g => TaskGroup.RunAsync(inner => Task.CompletedTask, g.Token), caller);
                    break;
            }
        }
    }

    [Fact]
    public async Task Invariant9_ManyGroupsOnLongLivedCallerToken_MemoryDoesNotGrow()
    {
        using var caller = new CancellationTokenSource();
        await RunGroups(2_000, caller.Token).Guard(); // warm-up: JIT, tiering, pools
        long after2k = GC.GetTotalMemory(forceFullCollection: true);
        await RunGroups(20_000, caller.Token).Guard();
        long after22k = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(caller);

        // A leaked registration keeps its group (and its source, task and closures) alive: several
        // hundred bytes per group, i.e. megabytes for 20,000 groups. Allow generous noise.
        long growth = after22k - after2k;
        Assert.True(growth < 1_000_000, $"Heap grew by {growth:N0} bytes over 20,000 groups on one caller token.");
        Assert.False(caller.IsCancellationRequested);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference[]> RunAndForget(CancellationToken caller)
    {
        var refs = new List<WeakReference>();
        await TaskGroup.RunAsync(g => { refs.Add(new WeakReference(g)); return Task.CompletedTask; }, caller);
        await TaskGroup.RunAsync(g => { refs.Add(new WeakReference(g)); g.Cancel(); return Task.CompletedTask; }, caller);
        try
        {
            await TaskGroup.RunAsync(g => { refs.Add(new WeakReference(g)); throw Boom("weak"); }, caller);
        }
        catch (TaskGroupException)
        {
        }

        return [.. refs];
    }

    [Fact]
    public async Task Invariant9_CompletedGroupsOnLongLivedCallerToken_AreCollectable()
    {
        using var caller = new CancellationTokenSource();
        WeakReference[] refs = await RunAndForget(caller.Token).Guard();
        for (int i = 0; i < 3 && refs.Any(r => r.IsAlive); i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }

        Assert.All(refs, r => Assert.False(r.IsAlive, "A completed group is still reachable from the caller's token."));
        GC.KeepAlive(caller);
    }

    [Fact]
    public async Task Invariant1_FailingChildrenNeverAwaited_NoUnobservedTaskException()
    {
        var seen = new List<Exception>();
        void Handler(object? sender, UnobservedTaskExceptionEventArgs e)
        {
            foreach (Exception ex in e.Exception.Flatten().InnerExceptions)
            {
                if (ex is TestFailureException { Tag: "unobserved" } || ex is OperationCanceledException)
                {
                    lock (seen)
                    {
                        seen.Add(ex);
                    }
                }
            }
        }

        TaskScheduler.UnobservedTaskException += Handler;
        try
        {
            await RunFailingGroups().Guard();
            for (int i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }

            lock (seen)
            {
                Assert.Empty(seen);
            }
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= Handler;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task RunFailingGroups()
    {
        using var privateCts = new CancellationTokenSource();
        privateCts.Cancel();
        for (int i = 0; i < 200; i++)
        {
            try
            {
                // The children's tasks are dropped on the floor: only the group observes them.
                await TaskGroup.RunAsync(g =>
                {
                    _ = g.Spawn(ct => throw Boom("unobserved"));
                    _ = g.Spawn(async ct => { await Task.Yield(); throw Boom("unobserved"); });
                    _ = g.Spawn<int>(async ct => { await Task.Yield(); throw Boom("unobserved"); });
                    _ = g.Spawn(async ct => { try { await Forever(ct); } finally { throw Boom("unobserved"); } });
                    _ = g.Spawn(async ct => { await Task.Yield(); privateCts.Token.ThrowIfCancellationRequested(); });
                    _ = g.Spawn(ct => TaskGroup.RunAsync(inner =>
                    {
                        _ = inner.Spawn(async c => { await Task.Yield(); throw Boom("unobserved"); });
                        return Task.CompletedTask;
                    }, ct));
                    return Task.CompletedTask;
                });
            }
            catch (TaskGroupException)
            {
            }
        }
    }
}
