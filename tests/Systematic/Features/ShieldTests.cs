using Microsoft.Coyote.Random;
using TaskGroups.Harness.Scenarios;
using TaskGroups.Systematic.Core;
using Xunit;

namespace TaskGroups.Systematic.Features;

/// <summary>ShieldAsync: cleanup runs to its end despite the group's cancellation, the group waits for
/// it (awaited or not), and the grace period on the TimeProvider bounds it.</summary>
public class ShieldTests
{
    [Fact]
    public void Shield_GroupCancelled_CleanupRunsToItsEndAndTheGroupWaits()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            bool awaited = random.NextBoolean();
            bool cleanedUp = false;
            bool sawCancel = false;
            Task run = TaskGroup.RunAsync(group =>
            {
                _ = group.Spawn(async ct =>
                {
                    try
                    {
                        await Child.RunUntilCancelled(ct);
                    }
                    finally
                    {
                        Task cleanup = group.ShieldAsync(async shielded =>
                        {
                            for (int i = 0; i < 3; i++)
                            {
                                await Task.Yield();
                                sawCancel |= shielded.IsCancellationRequested;
                            }

                            cleanedUp = true;
                        }, Timeout.InfiniteTimeSpan);
                        if (awaited)
                        {
                            await cleanup;
                        }
                    }
                });
                _ = group.Spawn(async _ =>
                {
                    await Child.YieldSome(random);
                    group.Cancel();
                });
                return Task.CompletedTask;
            });
            await Check.Succeeded(run, "the group cancelled itself");
            Check.That(cleanedUp, "the group completed before its shielded cleanup ran to its end");
            Check.That(!sawCancel, "the shielded cleanup saw its token cancelled");
        }

        Exploration.AssertHolds(Scenario, seed: 1601);
    }

    [Fact]
    public void Shield_CleanupHangs_GracePeriodOnTheClockCancelsItNotBefore()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            VirtualClock clock = FeatureTime.StartClock(random);
            TimeSpan grace = TimeSpan.FromSeconds(5);
            TimeSpan startedAt = TimeSpan.Zero;
            TimeSpan? cancelledAt = null;
            Task run = TaskGroup.RunAsync(group =>
            {
                _ = group.Spawn(async ct =>
                {
                    try
                    {
                        await Child.RunUntilCancelled(ct);
                    }
                    finally
                    {
                        startedAt = clock.Elapsed;
                        await group.ShieldAsync(async shielded =>
                        {
                            await Child.UntilCancelled(shielded);
                            cancelledAt = clock.Elapsed;
                        }, grace);
                    }
                });
                _ = group.Spawn(async _ =>
                {
                    await Child.YieldSome(random);
                    group.Cancel();
                });
                return Task.CompletedTask;
            }, new TaskGroupOptions { TimeProvider = clock.Time });
            await Check.Succeeded(run, "the group cancelled itself");
            await clock.StopAsync();
            Check.That(cancelledAt is { } at && at - startedAt >= grace, $"the shield started at {startedAt} was cancelled at {cancelledAt}, before its 5 s grace");
        }

        Exploration.AssertHolds(Scenario, seed: 1602);
    }
}
