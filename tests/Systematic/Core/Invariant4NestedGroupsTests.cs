using Microsoft.Coyote.Random;
using Xunit;

namespace TaskGroups.Systematic.Core;

/// <summary>Invariant 4: an inner group never swallows a cancellation that came from an outer group
/// (CPython gh-116720), and an inner group's own Cancel() never cancels the outer group.</summary>
public class Invariant4NestedGroupsTests
{
    [Fact]
    public void Invariant4_NestedGroups_InnerCancel_DoesNotCancelOuter()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            TaskGroup? outer = null, inner = null;
            Task? innerRun = null;
            bool siblingSawCancel = false;

            Task run = TaskGroup.RunAsync(async group =>
            {
                outer = group;
                _ = group.Spawn(async ct =>
                {
                    await Child.YieldSome(random, 4);
                    siblingSawCancel |= ct.IsCancellationRequested;
                });
                _ = group.Spawn(ct => innerRun = TaskGroup.RunAsync(async g =>
                {
                    inner = g;
                    _ = g.Spawn(Child.RunUntilCancelled);
                    _ = g.Spawn(async _ =>
                    {
                        await Child.YieldSome(random);
                        g.Cancel();
                        Check.That(!outer!.IsCancellationRequested, "the inner group's Cancel() cancelled the outer group");
                    });
                    await Child.YieldSome(random);
                }, ct));
                await Child.YieldSome(random);
            });

            await Check.Succeeded(run, "outer");
            await Check.Succeeded(innerRun!, "inner, which cancelled itself");
            Check.That(inner!.CancellationCaught, "the inner group cancelled itself but CancellationCaught is false");
            Check.That(!outer!.IsCancellationRequested && !outer.CancellationCaught && !siblingSawCancel, "the inner group's Cancel() reached the outer group");
        }

        Exploration.AssertHolds(Scenario, seed: 401);
    }

    [Fact]
    public void Invariant4_NestedGroups_OuterCancelRacingInnerCancel_InnerEndsCanceledNotSwallowed()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            bool innerAlsoCancels = random.NextBoolean();
            TaskGroup? outer = null, inner = null;
            Task? innerRun = null;

            Task run = TaskGroup.RunAsync(async group =>
            {
                outer = group;
                _ = group.Spawn(ct => innerRun = TaskGroup.RunAsync(async g =>
                {
                    inner = g;

                    // Keeps the inner group open until the outer cancellation arrived.
                    _ = g.Spawn(async _ =>
                    {
                        await Child.UntilCancelled(ct);
                        ct.ThrowIfCancellationRequested();
                    });
                    _ = g.Spawn(Child.RunUntilCancelled);
                    if (innerAlsoCancels)
                    {
                        _ = g.Spawn(async _ =>
                        {
                            await Child.YieldSome(random);
                            g.Cancel();
                        });
                    }

                    await Child.YieldSome(random);
                }, ct));
                _ = group.Spawn(async _ =>
                {
                    await Child.YieldSome(random);
                    group.Cancel();
                });
                await Child.YieldSome(random);
            });

            await Check.CanceledWith(innerRun!, $"inner group, outer cancelled (inner also cancels: {innerAlsoCancels})", outer!.Token);
            Check.That(inner!.IsCancellationRequested && !inner.CancellationCaught, "the inner group swallowed the outer cancellation");
            await Check.Succeeded(run, "outer group, which cancelled itself");
            Check.That(outer.CancellationCaught, "the outer group cancelled itself but CancellationCaught is false");
        }

        Exploration.AssertHolds(Scenario, seed: 402);
    }

    [Fact]
    public void Invariant4_NestedGroups_CallerCancel_ReachesInnerAndBothEndCanceled()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            using var caller = new CancellationTokenSource();
            TaskGroup? outer = null;
            Task? innerRun = null;
            Task canceller = Task.CompletedTask; // awaited at the end: Verify reports a task left running

            Task run = TaskGroup.RunAsync(async group =>
            {
                outer = group;
                _ = group.Spawn(ct => innerRun = TaskGroup.RunAsync(async g =>
                {
                    _ = g.Spawn(Child.RunUntilCancelled);
                    if (random.NextBoolean())
                    {
                        _ = g.Spawn(async _ =>
                        {
                            await Child.YieldSome(random);
                            g.Cancel();
                        });
                    }

                    await Child.UntilCancelled(ct);
                }, ct));
                canceller = Task.Run(async () =>
                {
                    await Child.YieldSome(random);
                    caller.Cancel();
                });
                await Child.YieldSome(random);
            }, caller.Token);

            await Check.CanceledWith(innerRun!, "inner group", outer!.Token);
            await Check.CanceledWith(run, "outer group", caller.Token);
            await canceller;
        }

        Exploration.AssertHolds(Scenario, seed: 403);
    }

    [Fact]
    public void Invariant4_NestedGroups_InnerFailsDuringOuterCancel_OuterFaultedWithOneNestedException()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            var cleanupFailure = new PlantedException("inner cleanup");

            Task run = TaskGroup.RunAsync(async group =>
            {
                _ = group.Spawn(ct => TaskGroup.RunAsync(async g =>
                {
                    _ = g.Spawn(async c =>
                    {
                        try
                        {
                            await Child.RunUntilCancelled(c);
                        }
                        finally
                        {
                            await Child.YieldSome(random);
#pragma warning disable CA2219 // The scenario: a failure thrown while cleaning up after cancellation.
                            throw cleanupFailure;
#pragma warning restore CA2219
                        }
                    });
                    if (random.NextBoolean())
                    {
                        _ = g.Spawn(async _ =>
                        {
                            await Child.YieldSome(random);
                            g.Cancel();
                        });
                    }

                    await Child.UntilCancelled(ct);
                }, ct));
                _ = group.Spawn(async _ =>
                {
                    await Child.YieldSome(random);
                    group.Cancel();
                });
                await Child.YieldSome(random);
            });

            IReadOnlyList<Exception> failures = await Check.Faulted(run, "outer group");
            Check.That(failures.Count == 1 && failures[0] is TaskGroupException, $"the nested group's failure must appear as one TaskGroupException, got {failures.Count}: {string.Join(", ", failures.Select(f => f.GetType().Name))}");
            var nested = (TaskGroupException)failures[0];
            Check.That(nested.InnerExceptions.Count == 1 && nested.InnerExceptions[0] == cleanupFailure, "the inner cleanup failure was lost");
        }

        Exploration.AssertHolds(Scenario, seed: 404);
    }
}
