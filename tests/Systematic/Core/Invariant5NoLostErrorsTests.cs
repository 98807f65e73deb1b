using Microsoft.Coyote.Random;
using Xunit;

namespace TaskGroups.Systematic.Core;

/// <summary>Invariant 5: every failure from the body or any child, including ones thrown in finally
/// during cancellation and ones thrown synchronously by the delegate passed to Spawn, appears in the
/// AggregateException, first failure first. Spawn itself never throws the child's exception.</summary>
public class Invariant5NoLostErrorsTests
{
    [Theory]
    [InlineData(CancelCause.Cancel)]
    [InlineData(CancelCause.Failure)]
    [InlineData(CancelCause.CallerToken)]
    public void Invariant5_NoLostErrors_FailuresInFinallyDuringCancellation_AllReported(CancelCause cause)
    {
        // CPython GH-95704's shape: errors raised while cleaning up after cancellation were dropped.
        async Task Scenario()
        {
            Generator random = Generator.Create();
            using var caller = new CancellationTokenSource();
            var first = new PlantedException("first");
            var cleanups = new[] { new PlantedException("cleanup 0"), new PlantedException("cleanup 1") };

            Task run = TaskGroup.RunAsync(async group =>
            {
                foreach (PlantedException cleanup in cleanups)
                {
                    _ = group.Spawn(async ct =>
                    {
                        try
                        {
                            await Child.RunUntilCancelled(ct);
                        }
                        finally
                        {
                            await Child.YieldSome(random);
#pragma warning disable CA2219 // The scenario: a failure thrown while cleaning up after cancellation.
                            throw cleanup;
#pragma warning restore CA2219
                        }
                    });
                }

                _ = group.Spawn(async _ =>
                {
                    await Child.YieldSome(random);
                    switch (cause)
                    {
                        case CancelCause.Failure:
                            throw first;
                        case CancelCause.Cancel:
                            group.Cancel();
                            break;
                        default:
                            caller.Cancel();
                            break;
                    }
                });
                await Child.YieldSome(random);
            }, caller.Token);

            IReadOnlyList<Exception> failures = await Check.Faulted(run, $"cleanup failures after {cause}");
            Exception[] expected = cause == CancelCause.Failure ? [first, .. cleanups] : [.. cleanups];
            Check.That(failures.Count == expected.Length && expected.All(failures.Contains),
                $"expected {expected.Length} failures, got {failures.Count}: {string.Join(", ", failures.Select(f => f.Message))}");
            if (cause == CancelCause.Failure)
            {
                Check.That(failures[0] == first, $"the first failure must come first, got '{failures[0].Message}'");
            }
        }

        Exploration.AssertHolds(Scenario, seed: 500 + (uint)cause);
    }

    [Fact]
    public void Invariant5_NoLostErrors_SynchronousThrowFromSpawnDelegate_ReportedInOrderAndSpawnDoesNotThrow()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            var sync = new PlantedException("synchronous");
            var syncOfT = new PlantedException("synchronous Spawn<T>");
            var late = new PlantedException("asynchronous, later");
            Task? blocked = null;

            Task run = TaskGroup.RunAsync(async group =>
            {
                blocked = group.Spawn(Child.RunUntilCancelled);
                await Child.YieldSome(random);

                Task failed = group.Spawn(_ => throw sync);
                Check.That(failed.IsFaulted && failed.Exception!.InnerException == sync, "Spawn's task must carry the synchronous throw");
                Task<int> failedOfT = group.Spawn<int>(_ => throw syncOfT);
                Check.That(failedOfT.IsFaulted && failedOfT.Exception!.InnerException == syncOfT, "Spawn<T>'s task must carry the synchronous throw");

                _ = group.Spawn(async _ =>
                {
                    await Child.YieldSome(random);
                    throw late;
                });
            });

            IReadOnlyList<Exception> failures = await Check.Faulted(run, "synchronous throws from Spawn delegates");
            Check.That(failures.Count == 3 && failures[0] == sync && failures[1] == syncOfT && failures[2] == late,
                $"expected [synchronous, synchronous Spawn<T>, asynchronous, later], got [{string.Join(", ", failures.Select(f => f.Message))}]");
            Check.That(blocked!.IsCanceled, $"the blocked sibling must end cancelled (fail-fast), was {blocked.Status}");
        }

        Exploration.AssertHolds(Scenario, seed: 510);
    }

    [Fact]
    public void Invariant5_NoLostErrors_ConcurrentFailuresOfChildrenAndBody_AllPresentOnce()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            var thrown = new Log<Exception>();
            bool bodyThrows = random.NextBoolean();

            Task run = TaskGroup.RunAsync(async group =>
            {
                for (int i = 0; i < 3; i++)
                {
                    var failure = new PlantedException($"child {i}");
                    _ = group.Spawn(async _ =>
                    {
                        await Child.YieldSome(random);
                        thrown.Add(failure);
                        throw failure;
                    });
                }

                await Child.YieldSome(random);
                if (bodyThrows)
                {
                    var failure = new PlantedException("body");
                    thrown.Add(failure);
                    throw failure;
                }
            });

            // No order is asserted: concurrent failures have no deterministic "first".
            IReadOnlyList<Exception> failures = await Check.Faulted(run, "concurrent failures");
            Exception[] expected = thrown.Snapshot();
            Check.That(failures.Count == expected.Length && failures.Distinct().Count() == failures.Count && expected.All(failures.Contains),
                $"expected {expected.Length} distinct failures, got [{string.Join(", ", failures.Select(f => f.Message))}]");
        }

        Exploration.AssertHolds(Scenario, seed: 511);
    }

    [Fact]
    public void Invariant5_NoLostErrors_ChildTokenCallbackThrowsOnCancel_FailureReportedAndCancelDoesNotThrow()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            var callbackFailure = new PlantedException("registration callback");

            Task run = TaskGroup.RunAsync(async group =>
            {
                _ = group.Spawn(ct =>
                {
                    // Never disposed, so it runs on Cancel() whatever the child does meanwhile (a child
                    // resumed inline by an earlier callback could otherwise unregister it first).
                    _ = ct.Register(() => throw callbackFailure);
                    return Child.RunUntilCancelled(ct);
                });
                _ = group.Spawn(async _ =>
                {
                    await Child.YieldSome(random);
                    group.Cancel(); // Must not throw the callback's exception at its caller.
                });
                await Child.YieldSome(random);
            });

            IReadOnlyList<Exception> failures = await Check.Faulted(run, "a token callback threw during Cancel()");
            Check.That(failures.Count == 1 && failures[0] == callbackFailure,
                $"expected exactly the callback's exception, got [{string.Join(", ", failures.Select(f => f.GetType().Name + ": " + f.Message))}]");
        }

        Exploration.AssertHolds(Scenario, seed: 512);
    }

    [Fact]
    public void Invariant5_NoLostErrors_TokenCallbackThrowsWhileCancelRacesCompletion_FailureNotLost()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            var callbackFailure = new PlantedException("registration callback");
            bool callbackRan = false;
            TaskGroup? captured = null;

            Task run = TaskGroup.RunAsync(async group =>
            {
                captured = group;
                _ = group.Spawn(async ct =>
                {
                    _ = ct.Register(() =>
                    {
                        callbackRan = true;
                        throw callbackFailure;
                    });
                    await Child.YieldSome(random);
                });
                await Child.YieldSome(random);
            });

            // Outside the group, Cancel() races the group's completion: it either is a no-op (the group
            // completed first) or cancels the group, and then the callback's exception is a failure.
            Task outsider = Task.Run(async () =>
            {
                await Child.YieldSome(random, 4);
                captured!.Cancel();
            });

            Exception? thrown = await Check.Settle(run);
            bool ranBeforeCompletion = callbackRan;
            await outsider;
            Check.That(ranBeforeCompletion == callbackRan, "a child's token callback ran after the group completed");
            Check.That(!callbackRan || (thrown is TaskGroupException failures && failures.InnerExceptions.Contains(callbackFailure)),
                $"the token callback threw, but the group ended {run.Status} without its exception");
        }

        Exploration.AssertHolds(Scenario, seed: 513);
    }
}
