using Microsoft.Coyote.Random;
using Xunit;

namespace TaskGroups.Systematic.Core;

/// <summary>Invariant 6: the first failure cancels the group, so every sibling blocked on its token
/// wakes up (a sibling that never woke would show up as a Coyote deadlock).</summary>
public class Invariant6FailFastTests
{
    [Fact]
    public void Invariant6_FailFast_FirstChildFailure_CancelsSiblingsBlockedOnToken()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            var failure = new PlantedException("first failure");
            var blocked = new Log<Task>();
            bool bodySawCancel = false;

            Task run = TaskGroup.RunAsync(async group =>
            {
                for (int i = 0; i < 2; i++)
                {
                    blocked.Add(group.Spawn(Child.RunUntilCancelled));
                }

                if (random.NextBoolean())
                {
                    _ = group.Spawn(async _ =>
                    {
                        await Child.YieldSome(random);
                        throw failure;
                    });
                }
                else
                {
                    _ = group.Spawn<int>(async _ =>
                    {
                        await Child.YieldSome(random);
                        throw failure;
                    });
                }

                blocked.Add(group.Spawn(Child.RunUntilCancelled));
                await Child.UntilCancelled(group.Token);
                bodySawCancel = true;
            });

            IReadOnlyList<Exception> failures = await Check.Faulted(run, "a child failed");
            Check.That(failures.Count == 1 && failures[0] == failure, $"expected only the failure (siblings' cancellation is not a failure), got {failures.Count}");
            Check.That(bodySawCancel, "the body never saw the group's token cancelled");
            Check.That(blocked.Snapshot().All(t => t.IsCanceled), "a blocked sibling did not end cancelled");
        }

        Exploration.AssertHolds(Scenario, seed: 601);
    }

    [Fact]
    public void Invariant6_FailFast_BodyFailure_CancelsChildren()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            var failure = new PlantedException("body failure");
            var blocked = new Log<Task>();

            Task run = TaskGroup.RunAsync(async group =>
            {
                blocked.Add(group.Spawn(Child.RunUntilCancelled));
                await Child.YieldSome(random);
                blocked.Add(group.Spawn(Child.RunUntilCancelled));
                await Child.YieldSome(random);
                throw failure;
            });

            IReadOnlyList<Exception> failures = await Check.Faulted(run, "the body failed");
            Check.That(failures.Count == 1 && failures[0] == failure, $"expected only the body's failure, got {failures.Count}");
            Check.That(blocked.Snapshot().All(t => t.IsCanceled), "a blocked child did not end cancelled");
        }

        Exploration.AssertHolds(Scenario, seed: 602);
    }
}
