using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit;

/// <summary>Invariant 1: when RunAsync's task completes, every child (and grandchild) has completed
/// and no child code runs afterwards.</summary>
public class ContainmentTests
{
    [Fact]
    public async Task Invariant1_RunAsync_DoesNotCompleteBeforeAChildFinishes()
    {
        var release = Signal();
        var started = Signal();
        Task? child = null;
        Task run = TaskGroup.RunAsync(g =>
        {
            child = g.Spawn(async ct => { started.SetResult(); await release.Task; });
            return Task.CompletedTask;
        });
        await started.Task.Guard();
        for (int i = 0; i < 20; i++)
        {
            await Task.Yield();
            Assert.False(run.IsCompleted);
        }

        release.SetResult();
        await AssertSucceeded(run);
        Assert.True(child!.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Invariant1_ChildIgnoringCancellationForAWhile_GroupWaitsForIt()
    {
        int steps = 0;
        bool stepsWhenCompleted = false;
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(async ct =>
            {
                await WhenCancelled(ct);
                for (int i = 0; i < 50; i++)
                {
                    await Task.Yield();
                    Interlocked.Increment(ref steps);
                }
            });
            g.Cancel();
            return Task.CompletedTask;
        });
        Task check = run.ContinueWith(_ => stepsWhenCompleted = Volatile.Read(ref steps) == 50, TaskContinuationOptions.ExecuteSynchronously);
        await AssertSucceeded(run);
        await check.Guard();
        Assert.True(stepsWhenCompleted);
    }

    [Fact]
    public async Task Invariant1_GrandchildrenSpawnedDuringShutdown_CompleteFirst()
    {
        var tasks = new List<Task>();
        bool allDoneAtCompletion = false;
        Task run = TaskGroup.RunAsync(g =>
        {
            for (int i = 0; i < 4; i++)
            {
                Task child = g.Spawn(async ct =>
                {
                    try
                    {
                        await Forever(ct);
                    }
                    finally
                    {
                        // Spawned while the group is finishing: must still be waited for.
                        Task grandchild = g.Spawn(async ct2 =>
                        {
                            for (int k = 0; k < 10; k++)
                            {
                                await Task.Yield();
                            }
                        });
                        lock (tasks)
                        {
                            tasks.Add(grandchild);
                        }
                    }
                });
                lock (tasks)
                {
                    tasks.Add(child);
                }
            }

            g.Cancel();
            return Task.CompletedTask;
        });
        Task check = run.ContinueWith(_ =>
        {
            lock (tasks)
            {
                allDoneAtCompletion = tasks.Count == 8 && tasks.TrueForAll(t => t.IsCompleted);
            }
        }, TaskContinuationOptions.ExecuteSynchronously);
        await AssertSucceeded(run);
        await check.Guard();
        Assert.True(allDoneAtCompletion);
    }

    [Fact]
    public async Task Invariant1_RandomTreesUnderJitter_EveryChildCompletedAtCompletion()
    {
        await Repeat(300, async iteration =>
        {
            var tasks = new List<Task>();
            int codeAfterCompletion = 0;
            int completed = 0;
            var outcomeChecked = Signal();
            bool allDone = false;

            void Record(Task t)
            {
                lock (tasks)
                {
                    tasks.Add(t);
                }
            }

            async Task Child(TaskGroup g, CancellationToken ct, int depth)
            {
                try
                {
                    await Jitter();
                    if (depth < 3)
                    {
                        int n = Random.Shared.Next(3);
                        for (int i = 0; i < n; i++)
                        {
                            Record(g.Spawn(c => Child(g, c, depth + 1)));
                        }
                    }

                    switch (Random.Shared.Next(6))
                    {
                        case 0: g.Cancel(); break;
                        case 1: throw Boom("random");
                        case 2: await WhenCancelled(ct); break;
                        default: await Jitter(); break;
                    }
                }
                finally
                {
                    await Jitter();
                    if (Volatile.Read(ref completed) == 1)
                    {
                        Interlocked.Increment(ref codeAfterCompletion);
                    }
                }
            }

            Task run = TaskGroup.RunAsync(async g =>
            {
                for (int i = 0; i < 3; i++)
                {
                    Record(g.Spawn(c => Child(g, c, 0)));
                }

                await Jitter();
                if (Random.Shared.Next(2) == 0)
                {
                    g.Cancel(); // children waiting on the token need someone to cancel
                }
                else
                {
                    _ = g.Spawn(async ct => { await Jitter(); g.Cancel(); });
                }
            });
            _ = run.ContinueWith(_ =>
            {
                Volatile.Write(ref completed, 1);
                lock (tasks)
                {
                    allDone = tasks.TrueForAll(t => t.IsCompleted);
                }

                outcomeChecked.SetResult();
            }, TaskContinuationOptions.ExecuteSynchronously);
            try
            {
                await run.Guard();
            }
            catch (TaskGroupException)
            {
            }

            await outcomeChecked.Task.Guard();
            // Give stray code (if any) a chance to run after completion.
            for (int i = 0; i < 5; i++)
            {
                await Task.Yield();
            }

            Assert.True(allDone);
            Assert.Equal(0, Volatile.Read(ref codeAfterCompletion));
        });
    }

    [Fact]
    public async Task Invariant1_SpawnFromOutsideWhileFinishing_WaitedFor()
    {
        await Repeat(300, async iteration =>
        {
            TaskGroup? seen = null;
            var spawned = new List<Task>();
            var release = Signal();
            var opened = Signal();
            Task run = TaskGroup.RunAsync(g =>
            {
                seen = g;
                _ = g.Spawn(async ct => { await release.Task; await Jitter(); });
                opened.SetResult();
                return Task.CompletedTask;
            });
            await opened.Task;
            Task outside = Task.Run(async () =>
            {
                for (int i = 0; i < 50; i++)
                {
                    try
                    {
                        Task t = seen!.Spawn(async ct => { await Jitter(); });
                        lock (spawned)
                        {
                            spawned.Add(t);
                        }
                    }
                    catch (InvalidOperationException)
                    {
                        return; // closed: fine, as long as nothing accepted was left behind
                    }

                    await Jitter();
                }
            });
            release.SetResult();
            bool allDone = false;
            Task check = run.ContinueWith(_ =>
            {
                lock (spawned)
                {
                    allDone = spawned.TrueForAll(t => t.IsCompleted);
                }
            }, TaskContinuationOptions.ExecuteSynchronously);
            await AssertSucceeded(run);
            await outside.Guard();
            await check.Guard();
            Assert.True(allDone);
        });
    }
}
