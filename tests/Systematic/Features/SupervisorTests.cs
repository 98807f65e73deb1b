using Microsoft.Coyote.Random;
using TaskGroups.Systematic.Core;
using Xunit;

namespace TaskGroups.Systematic.Features;

/// <summary>FailFast = false (supervisor mode): a child's failure cancels no sibling, every failure is
/// reported at the end, and Cancel() or the caller's token still cancels every child.</summary>
public class SupervisorTests
{
    [Fact]
    public void Supervisor_ChildFails_SiblingsKeepRunningAndEveryFailureIsReported()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            var options = new TaskGroupOptions { FailFast = false };
            var first = new PlantedException("first");
            var second = new PlantedException("second");
            bool siblingSawCancel = false;
            Task run = TaskGroup.RunAsync(async group =>
            {
                _ = group.Spawn(async _ =>
                {
                    await Child.YieldSome(random);
                    throw first;
                });
                _ = group.Spawn(async _ =>
                {
                    await Child.YieldSome(random);
                    throw second;
                });
                _ = group.Spawn(async ct =>
                {
                    for (int i = 0; i < 4; i++)
                    {
                        await Task.Yield();
                        siblingSawCancel |= ct.IsCancellationRequested;
                    }
                });
                await Child.YieldSome(random, 4);
                Check.That(!group.IsCancellationRequested, "the body saw the token cancelled by a supervised failure");
            }, options);
            IReadOnlyList<Exception> failures = await Check.Faulted(run, "two supervised failures");
            Check.That(!siblingSawCancel, "a sibling saw its token cancelled by a supervised failure");
            Check.That(failures.Count == 2 && failures.Contains(first) && failures.Contains(second), $"expected both failures, got {failures.Count}");
        }

        Exploration.AssertHolds(Scenario, seed: 1301);
    }

    [Fact]
    public void Supervisor_CancelOrCallerAfterFailure_StillCancelsEveryChild()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            var options = new TaskGroupOptions { FailFast = false };
            using var caller = new CancellationTokenSource();
            bool byCaller = random.NextBoolean();
            Task run = TaskGroup.RunAsync(async group =>
            {
                _ = group.Spawn(async _ =>
                {
                    await Child.YieldSome(random);
                    throw new PlantedException("supervised failure");
                });
                _ = group.Spawn(Child.RunUntilCancelled);
                await Child.YieldSome(random);
                if (byCaller)
                {
                    caller.Cancel();
                }
                else
                {
                    group.Cancel();
                }
            }, options, caller.Token);

            // A child never cancelled would be a Coyote deadlock; the failure is still reported.
            IReadOnlyList<Exception> failures = await Check.Faulted(run, "a supervised failure, then a cancellation");
            Check.That(failures.Count == 1, $"expected the one failure, got {failures.Count}");
        }

        Exploration.AssertHolds(Scenario, seed: 1302);
    }
}
