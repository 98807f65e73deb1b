using Microsoft.Coyote.Random;
using TaskGroups.Harness.Scenarios;
using TaskGroups.Systematic.Core;
using Xunit;

namespace TaskGroups.Systematic.Features;

/// <summary>TaskGroupOptions.Timeout on virtual time: the deadline fires at a moment Coyote picks
/// relative to every child's step, at the virtual deadline and not before; failures and the caller's
/// cancellation win over it; a nested deadline never absorbs the outer cancellation.</summary>
public class DeadlineTests
{
    [Fact]
    public void Deadline_OnlyWayToEnd_ThrowsTimeoutExceptionAtTheVirtualDeadline()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            VirtualClock clock = FeatureTime.StartClock(random);
            var options = FeatureTime.DeadlineOn(clock);
            TimeSpan? cancelledAt = null;
            Task run = TaskGroup.RunAsync(group =>
            {
                _ = group.Spawn(async _ => await Child.YieldSome(random));
                _ = group.Spawn(async ct =>
                {
                    await Child.UntilCancelled(ct);
                    cancelledAt = clock.Elapsed;
                });
                return Task.CompletedTask;
            }, options);
            Exception? thrown = await Check.Settle(run);
            await clock.StopAsync();
            Check.That(FeatureTime.IsTimeout(thrown), $"expected exactly TimeoutException, got {thrown?.GetType().Name ?? run.Status.ToString()}");
            Check.That(cancelledAt >= FeatureTime.Deadline, $"the token was cancelled at {cancelledAt} of virtual time, before the 10 s deadline");
        }

        Exploration.AssertHolds(Scenario, seed: 1001);
    }

    [Fact]
    public void Deadline_CallerCancelsBeforeDeadline_EndsCanceledWithCallersToken()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            VirtualClock clock = FeatureTime.StartClock(random);
            using var caller = new CancellationTokenSource();
            var options = FeatureTime.DeadlineOn(clock);
            bool callerFirst = false;
            TaskGroup? captured = null;
            Task outsider = Task.Run(async () =>
            {
                await Child.YieldSome(random, 6);
                callerFirst = captured?.IsCancellationRequested == false;
                caller.Cancel();
            });
            Task run = TaskGroup.RunAsync(group =>
            {
                captured = group;
                _ = group.Spawn(Child.RunUntilCancelled);
                return Task.CompletedTask;
            }, options, caller.Token);
            Exception? thrown = await Check.Settle(run);
            await outsider;
            await clock.StopAsync();
            if (callerFirst)
            {
                Check.That(run.IsCanceled && thrown is OperationCanceledException oce && oce.CancellationToken == caller.Token,
                    $"the caller cancelled before the deadline fired, but the group ended {run.Status} ({thrown?.GetType().Name}): the deadline absorbed the caller's cancellation");
            }
            else
            {
                Check.That(FeatureTime.IsTimeout(thrown) || run.IsCanceled, $"the deadline fired first; the group ended {run.Status} ({thrown?.GetType().Name})");
            }
        }

        Exploration.AssertHolds(Scenario, seed: 1002);
    }

    [Fact]
    public void Deadline_ChildFailsWhileDeadlineFires_FailureWins()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            VirtualClock clock = FeatureTime.StartClock(random);
            var options = FeatureTime.DeadlineOn(clock);
            var failure = new PlantedException("failure");
            Task run = TaskGroup.RunAsync(group =>
            {
                _ = group.Spawn(Child.RunUntilCancelled);
                _ = group.Spawn(async _ =>
                {
                    await Child.YieldSome(random, 6);
                    throw failure;
                });
                return Task.CompletedTask;
            }, options);
            IReadOnlyList<Exception> failures = await Check.Faulted(run, "a child failed, racing the deadline");
            await clock.StopAsync();
            Check.That(failures.Count == 1 && failures[0] == failure, $"expected the child's failure only, got {failures.Count}");
        }

        Exploration.AssertHolds(Scenario, seed: 1003);
    }

    [Fact]
    public void Deadline_NestedGroupWhileOuterCancels_DoesNotAbsorbOuterCancellation()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            VirtualClock clock = FeatureTime.StartClock(random);
            var inner = FeatureTime.DeadlineOn(clock);
            Task? innerRun = null;
            bool outerFirst = false;
            Task run = TaskGroup.RunAsync(group =>
            {
                _ = group.Spawn(async ct =>
                {
                    innerRun = TaskGroup.RunAsync(g =>
                    {
                        // Registered after the inner group's own registration on the outer token, so it
                        // runs first (LIFO): it sees whether the deadline had cancelled the inner group.
                        ct.Register(() => outerFirst = !g.IsCancellationRequested);
                        _ = g.Spawn(Child.RunUntilCancelled);
                        return Task.CompletedTask;
                    }, inner, ct);
                    await Check.Settle(innerRun);
                });
                _ = group.Spawn(async _ =>
                {
                    await Child.YieldSome(random, 6);
                    group.Cancel();
                });
                return Task.CompletedTask;
            });
            await Check.Succeeded(run, "the outer group cancelled itself");
            await clock.StopAsync();
            if (outerFirst)
            {
                Check.That(innerRun!.IsCanceled, $"the outer group cancelled before the inner deadline fired, but the inner group ended {innerRun.Status}");
            }
        }

        Exploration.AssertHolds(Scenario, seed: 1004);
    }
}
