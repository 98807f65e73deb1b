using System.Runtime.CompilerServices;
using Microsoft.Coyote.Random;
using Xunit;

namespace TaskGroups.Systematic.Core;

/// <summary>Invariant 1: when RunAsync's task completes, every child (including children spawned by
/// children while the group was finishing) has completed, and no child code runs afterwards.</summary>
public class Invariant1ContainmentTests
{
    [Fact]
    public void Invariant1_Containment_ChildrenSpawnedByChildrenWhileFinishing_AllCompleteBeforeGroup()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            var spawned = new Log<Task>();
            var finished = new Log<string>();
            Task? run = null;

            void NotAfterCompletion(string what) =>
                Check.That(run is null || !run.IsCompleted, $"{what} ran after the group completed");

            async Task Worker(TaskGroup group, string name, int depth, CancellationToken ct)
            {
                try
                {
                    NotAfterCompletion(name);
                    await Child.YieldSome(random, 1);
                    NotAfterCompletion(name);
                    if (depth == 0)
                    {
                        spawned.Add(group.Spawn(c => Worker(group, name + "/child", depth + 1, c)));
                    }

                    if (random.NextInteger(3) == 0)
                    {
                        group.Cancel();
                    }

                    await Task.Yield();
                    NotAfterCompletion(name);
                }
                finally
                {
                    // Cleanup that starts more work while the group may already be finishing.
                    if (depth < 2 && random.NextBoolean())
                    {
                        spawned.Add(group.Spawn(c => Worker(group, name + "/cleanup", depth + 1, c)));
                    }

                    await Task.Yield();
                    NotAfterCompletion(name + " (finally)");
                    finished.Add(name);
                }
            }

            run = TaskGroup.RunAsync(group =>
            {
                spawned.Add(group.Spawn(ct => Worker(group, "a", 0, ct)));
                return Task.CompletedTask;
            });

            await Check.Settle(run);
            Task[] children = spawned.Snapshot();
            string[] done = finished.Snapshot();
            Check.That(run.Status == TaskStatus.RanToCompletion, $"group ended {run.Status}");
            Check.That(children.All(c => c.IsCompleted), "a child's task was still running when the group completed");
            Check.That(done.Length == children.Length, $"{children.Length} children spawned but {done.Length} finally blocks completed before the group did");
        }

        Exploration.AssertHolds(Scenario, seed: 101);
    }

    [Fact]
    public void Invariant1_Containment_SpawnFromOutsideRacingCompletion_ChildContainedOrRejected()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            TaskGroup? captured = null;
            bool started = false, finished = false, rejected = false;
            Task? run = null;

            run = TaskGroup.RunAsync(async group =>
            {
                captured = group;
                _ = group.Spawn(async ct => await Child.YieldSome(random, 2));
                await Child.YieldSome(random, 2);
            });

            // Not a child: a task outside the group that spawns into it while it may be completing.
            Task outsider = Task.Run(async () =>
            {
                await Child.YieldSome(random, 4);
                try
                {
                    _ = captured!.Spawn(async ct =>
                    {
                        started = true;
                        Check.That(!run.IsCompleted, "a late child started after the group completed");
                        await Task.Yield();
                        Check.That(!run.IsCompleted, "a late child ran after the group completed");
                        finished = true;
                    });
                }
                catch (InvalidOperationException)
                {
                    // Rejected: the group had already decided to complete (its task may still be
                    // completing on another task, so run.IsCompleted is not asserted here).
                    rejected = true;
                }
            });

            await Check.Settle(run);
            Check.That(!started || finished, "the group completed while a child it accepted was still running");
            await outsider;
            Check.That(started != rejected, $"Spawn must either start the child or throw InvalidOperationException (started {started}, rejected {rejected})");
            Check.That(run.Status == TaskStatus.RanToCompletion, $"group ended {run.Status}");
        }

        Exploration.AssertHolds(Scenario, seed: 102);
    }

    /// <summary>Runs a group whose failing children's tasks are all discarded by the caller.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task RunWithDiscardedFailuresAsync(string marker)
    {
        try
        {
            await TaskGroup.RunAsync(async group =>
            {
                _ = group.Spawn(_ => throw new PlantedException(marker));
                _ = group.Spawn<int>(_ => throw new PlantedException(marker));
                _ = group.Spawn(async _ =>
                {
                    await Task.Yield();
                    throw new PlantedException(marker);
                });
                _ = group.Spawn(async ct =>
                {
                    await Child.UntilCancelled(ct);
                    throw new PlantedException(marker); // a failure during cancellation
                });
                await Task.Yield();
            }).WaitAsync(TimeSpan.FromSeconds(30)); // A broken group must fail this test, not hang the run.
        }
        catch (TaskGroupException)
        {
            // Expected: the group's own task is observed here; the children's must be observed by the group.
        }
    }

    /// <summary>Drops a faulted task nobody observes: the control that proves the detection works.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LeakUnobservedFailure(string marker) => _ = Task.FromException(new PlantedException(marker));

    [Fact]
    public async Task Invariant1_Containment_DiscardedFailedChildTasks_NoUnobservedTaskException()
    {
        // Plain test on the real thread pool: UnobservedTaskException fires from finalizers, which
        // Coyote does not explore. Markers keep other tests' tasks out of the count.
        string marker = $"invariant 1 probe {Guid.NewGuid()}";
        string control = $"invariant 1 control {Guid.NewGuid()}";
        int unobserved = 0, controls = 0;
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
        {
            foreach (Exception exception in e.Exception.Flatten().InnerExceptions)
            {
                if (exception.Message == marker)
                {
                    Interlocked.Increment(ref unobserved);
                }
                else if (exception.Message == control)
                {
                    Interlocked.Increment(ref controls);
                }
            }
        }

        TaskScheduler.UnobservedTaskException += OnUnobserved;
        try
        {
            for (int i = 0; i < 200; i++)
            {
                await RunWithDiscardedFailuresAsync(marker);
            }

            LeakUnobservedFailure(control);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            GC.WaitForPendingFinalizers();

            Assert.True(Volatile.Read(ref controls) > 0, "the control's unobserved exception was not reported: the check cannot see leaks");
            Assert.Equal(0, Volatile.Read(ref unobserved));
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }
    }
}
