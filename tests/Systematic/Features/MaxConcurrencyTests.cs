using Microsoft.Coyote.Random;
using TaskGroups.Systematic.Core;
using Xunit;

namespace TaskGroups.Systematic.Features;

/// <summary>MaxConcurrency: never more than N children running, queued ones start in spawn order,
/// Spawn never blocks, and after Cancel() a queued child never runs with an uncancelled token.</summary>
public class MaxConcurrencyTests
{
    [Fact]
    public void MaxConcurrency_FourChildrenLimitTwo_NeverExceededAndStartedInSpawnOrder()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            int running = 0;
            int maxRunning = 0;
            var started = new Log<int>();
            Task run = TaskGroup.RunAsync(group =>
            {
                // Spawn returns at once whether or not a slot is free: a blocking Spawn would deadlock the body.
                for (int i = 0; i < 4; i++)
                {
                    int index = i;
                    _ = group.Spawn(async _ =>
                    {
                        started.Add(index);
                        int now = Interlocked.Increment(ref running);
                        maxRunning = Math.Max(maxRunning, now);
                        await Child.YieldSome(random);
                        Interlocked.Decrement(ref running);
                    });
                }

                return Task.CompletedTask;
            }, new TaskGroupOptions { MaxConcurrency = 2 });
            await Check.Succeeded(run, "four successful children");
            Check.That(maxRunning <= 2, $"{maxRunning} children ran at once with MaxConcurrency 2");
            Check.That(started.Snapshot().SequenceEqual([0, 1, 2, 3]), $"children started in the order {string.Join(",", started.Snapshot())}");
        }

        Exploration.AssertHolds(Scenario, seed: 1201);
    }

    [Fact]
    public void MaxConcurrency_CancelWhileQueued_QueuedChildrenStartCancelled()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            bool cancelled = false;
            bool uncancelledAfterCancel = false;
            Task run = TaskGroup.RunAsync(async group =>
            {
                for (int i = 0; i < 3; i++)
                {
                    _ = group.Spawn(async ct =>
                    {
                        uncancelledAfterCancel |= Volatile.Read(ref cancelled) && !ct.IsCancellationRequested;
                        await Child.UntilCancelled(ct);
                    });
                }

                await Child.YieldSome(random);
                group.Cancel();
                Volatile.Write(ref cancelled, true);
            }, new TaskGroupOptions { MaxConcurrency = 1 });
            await Check.Succeeded(run, "the group cancelled itself");
            Check.That(!uncancelledAfterCancel, "a queued child started with an uncancelled token after Cancel() returned");
        }

        Exploration.AssertHolds(Scenario, seed: 1202);
    }
}
