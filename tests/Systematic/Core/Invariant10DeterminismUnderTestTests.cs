using Microsoft.Coyote.Random;
using Microsoft.Coyote.Specifications;
using TaskGroups.Verification;
using TaskGroups.Verification.Engine;
using Xunit;

namespace TaskGroups.Systematic.Core;

/// <summary>Invariant 10: under the Coyote scheduler the library uses only controlled concurrency —
/// zero uncontrolled invocations on every path — so every failing schedule replays exactly.</summary>
public class Invariant10DeterminismUnderTestTests
{
    /// <summary>One program that walks every path of the library: inline and yielding children,
    /// Spawn&lt;T&gt;, a synchronous throw, a failure with a throwing token registration, a nested
    /// group, an outsider's Cancel() racing completion, the caller's token, and an attached
    /// diagnostics listener (the invariant checker).</summary>
    private static async Task EveryPath()
    {
        Generator random = Generator.Create();
        var checker = new InvariantChecker(v => Specification.Assert(false, "{0}", v.ToString()));
        using IDisposable listening = TaskGroupDiagnostics.Listen(checker);
        using var caller = new CancellationTokenSource();
        TaskGroup? captured = null;
        Task run = TaskGroup.RunAsync(async group =>
        {
            captured = group;
            _ = group.Spawn(_ => Task.CompletedTask);
            Task<int> value = group.Spawn(async _ => { await Task.Yield(); return 42; });
            _ = group.Spawn(ct => TaskGroup.RunAsync(inner =>
            {
                _ = inner.Spawn(Child.RunUntilCancelled);
                _ = inner.Spawn(async _ => { await Child.YieldSome(random); inner.Cancel(); });
                return Task.CompletedTask;
            }, ct));
            _ = group.Spawn(ct =>
            {
                ct.Register(() => throw new PlantedException("registration"));
                return Child.RunUntilCancelled(ct);
            });
            if (random.NextBoolean())
            {
                _ = group.Spawn(_ => throw new PlantedException("synchronous"));
            }

            await value;
        }, caller.Token);

        Task outsider = Task.Run(async () =>
        {
            await Child.YieldSome(random, 6);
            if (random.NextBoolean())
            {
                captured?.Cancel();
            }
            else
            {
                caller.Cancel();
            }
        });

        await Check.Settle(run);
        await outsider;
        Check.That(run.IsCompleted, "the group completed");
        Check.That(run.Status != TaskStatus.RanToCompletion || captured!.CancellationCaught, "a successful end here means the group cancelled itself");
    }

    [Fact]
    public void Invariant10_DeterminismUnderTest_EveryLibraryPath_NoUncontrolledInvocation()
    {
        Exploration.AssertHolds(EveryPath, seed: 1010);
    }

    [Fact]
    public void Invariant10_DeterminismUnderTest_SameSeed_SameFailingScheduleAndExactReplay()
    {
        // A race in user code on top of the group: which child reads last is up to the schedule.
        static async Task Racy()
        {
            int last = -1;
            await TaskGroup.RunAsync(group =>
            {
                for (int i = 0; i < 3; i++)
                {
                    int id = i;
                    _ = group.Spawn(async _ =>
                    {
                        await Task.Yield();
                        last = id;
                    });
                }

                return Task.CompletedTask;
            });
            Specification.Assert(last != 1, "child 1 finished last");
        }

        var settings = new ExplorationSettings(Iterations: 500, Seed: 77);
        ExplorationResult first = SystematicRunner.Explore(Racy, settings);
        ExplorationResult second = SystematicRunner.Explore(Racy, settings);

        Assert.True(first.FoundBug, "the schedule-dependent outcome was never explored");
        Assert.Empty(first.UncontrolledInvocations);
        Assert.Equal(first.Bugs, second.Bugs);
        Assert.Equal(first.ReproducibleTrace, second.ReproducibleTrace); // same seed, same schedule, step for step

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(first.Bugs, SystematicRunner.Replay(Racy, first.ReproducibleTrace!).Bugs);
        }
    }
}
