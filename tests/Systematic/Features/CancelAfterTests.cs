using Microsoft.Coyote.Random;
using TaskGroups.Harness.Scenarios;
using TaskGroups.Systematic.Core;
using Xunit;

namespace TaskGroups.Systematic.Features;

/// <summary>CancelAfter on virtual time: a quiet self-cancel at its time (Trio's move_on_after).</summary>
public class CancelAfterTests
{
    [Fact]
    public void CancelAfter_Elapses_EndsQuietlyWithCancellationCaughtAndItsReason()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            VirtualClock clock = FeatureTime.StartClock(random);
            TaskGroup? captured = null;
            TimeSpan? cancelledAt = null;
            Task run = TaskGroup.RunAsync(group =>
            {
                captured = group;
                group.CancelAfter(FeatureTime.Deadline);
                _ = group.Spawn(async ct =>
                {
                    await Child.YieldSome(random);
                    await Child.UntilCancelled(ct);
                    cancelledAt = clock.Elapsed;
                });
                return Task.CompletedTask;
            }, new TaskGroupOptions { TimeProvider = clock.Time });
            await Check.Succeeded(run, "CancelAfter elapsed");
            await clock.StopAsync();
            Check.That(captured!.CancellationCaught, "CancellationCaught is false after CancelAfter ended the group");
            Check.That(captured.CancellationReason == "CancelAfter of 10 s elapsed", $"the reason is \"{captured.CancellationReason}\"");
            Check.That(cancelledAt >= FeatureTime.Deadline, $"CancelAfter(10 s) fired at {cancelledAt} of virtual time");
        }

        Exploration.AssertHolds(Scenario, seed: 1101);
    }
}
