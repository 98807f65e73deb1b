using Microsoft.Coyote.Random;
using Xunit;

namespace TaskGroups.Systematic.Core;

/// <summary>Invariant 8: Spawn after the RunAsync task completed throws InvalidOperationException, and
/// the rejected delegate never runs.</summary>
public class Invariant8ClosedAfterCompletionTests
{
    [Fact]
    public void Invariant8_ClosedAfterCompletion_SpawnAfterAnyOutcome_ThrowsInvalidOperation()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            using var caller = new CancellationTokenSource();
            (_, TaskGroup captured, int outcome) = await AnyOutcome.RunAsync(random, caller, withChild: true);
            bool ranAfterCompletion = false;

            bool SpawnThrows(bool ofT)
            {
                try
                {
                    if (ofT)
                    {
                        _ = captured.Spawn<int>(_ =>
                        {
                            ranAfterCompletion = true;
                            return Task.FromResult(1);
                        });
                    }
                    else
                    {
                        _ = captured.Spawn(_ =>
                        {
                            ranAfterCompletion = true;
                            return Task.CompletedTask;
                        });
                    }

                    return false;
                }
                catch (InvalidOperationException)
                {
                    return true;
                }
            }

            // From the task that awaited the group, and from another task.
            Check.That(SpawnThrows(ofT: false), $"Spawn after completion (outcome {outcome}) did not throw InvalidOperationException");
            Check.That(SpawnThrows(ofT: true), $"Spawn<T> after completion (outcome {outcome}) did not throw InvalidOperationException");
            bool fromOther = await Task.Run(async () =>
            {
                await Child.YieldSome(random);
                return SpawnThrows(random.NextBoolean());
            });
            Check.That(fromOther, "Spawn after completion from another task did not throw InvalidOperationException");
            Check.That(!ranAfterCompletion, "a child spawned after completion ran");
        }

        Exploration.AssertHolds(Scenario, seed: 801);
    }
}
