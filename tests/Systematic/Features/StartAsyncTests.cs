using Microsoft.Coyote.Random;
using TaskGroups.Systematic.Core;
using Xunit;

namespace TaskGroups.Systematic.Features;

/// <summary>StartAsync (Trio's nursery.start) in its four cases, while a sibling runs.</summary>
public class StartAsyncTests
{
    private static async Task<(Task Run, Task<int> Start, bool SecondStartedThrew)> RunShape(Generator random, int shape, Exception failure)
    {
        Task<int>? start = null;
        bool secondThrew = false;
        Task run = TaskGroup.RunAsync(async group =>
        {
            _ = group.Spawn(async _ => await Child.YieldSome(random));
            start = group.StartAsync<int>(async (started, ct) =>
            {
                await Child.YieldSome(random);
                if (shape == 1)
                {
                    throw failure;
                }

                if (shape == 2)
                {
                    return;
                }

                started(7);
                try
                {
                    started(8);
                }
                catch (InvalidOperationException)
                {
                    secondThrew = true;
                }

                await Child.YieldSome(random);
                if (shape == 3)
                {
                    throw failure;
                }
            });
            await Check.Settle(start);
        });
        await Check.Settle(run);
        return (run, start!, secondThrew);
    }

    [Fact]
    public void StartAsync_Started_CompletesWithValueAndSecondStartedThrows()
    {
        static async Task Scenario()
        {
            (Task run, Task<int> start, bool secondThrew) = await RunShape(Generator.Create(), 0, new PlantedException("unused"));
            Check.That(start.Status == TaskStatus.RanToCompletion && start.Result == 7, $"StartAsync ended {start.Status}");
            Check.That(secondThrew, "started twice did not throw InvalidOperationException");
            Check.That(run.Status == TaskStatus.RanToCompletion, $"the group ended {run.Status}");
        }

        Exploration.AssertHolds(Scenario, seed: 1401);
    }

    [Fact]
    public void StartAsync_FailsBeforeStarted_FailureComesOutOfStartAsyncNotTheGroup()
    {
        static async Task Scenario()
        {
            var failure = new PlantedException("early");
            (Task run, Task<int> start, _) = await RunShape(Generator.Create(), 1, failure);
            Check.That(start.IsFaulted && start.Exception!.InnerException == failure, $"StartAsync ended {start.Status}");
            Check.That(run.Status == TaskStatus.RanToCompletion, $"the group ended {run.Status}: the early failure reached the group");
        }

        Exploration.AssertHolds(Scenario, seed: 1402);
    }

    [Fact]
    public void StartAsync_EndsWithoutStarted_StartAsyncThrowsInvalidOperationException()
    {
        static async Task Scenario()
        {
            (Task run, Task<int> start, _) = await RunShape(Generator.Create(), 2, new PlantedException("unused"));
            Check.That(start.IsFaulted && start.Exception!.InnerException is InvalidOperationException, $"StartAsync ended {start.Status}");
            Check.That(run.Status == TaskStatus.RanToCompletion, $"the group ended {run.Status}");
        }

        Exploration.AssertHolds(Scenario, seed: 1403);
    }

    [Fact]
    public void StartAsync_FailsAfterStarted_FailsTheGroup()
    {
        static async Task Scenario()
        {
            var failure = new PlantedException("late");
            (Task run, Task<int> start, _) = await RunShape(Generator.Create(), 3, failure);
            Check.That(start.Status == TaskStatus.RanToCompletion, $"StartAsync ended {start.Status}");
            IReadOnlyList<Exception> failures = await Check.Faulted(run, "a failure after started");
            Check.That(failures.Count == 1 && failures[0] == failure, $"expected the late failure, got {failures.Count}");
        }

        Exploration.AssertHolds(Scenario, seed: 1404);
    }
}
