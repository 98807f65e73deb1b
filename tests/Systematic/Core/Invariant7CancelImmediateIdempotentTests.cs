using Microsoft.Coyote.Random;
using Xunit;

namespace TaskGroups.Systematic.Core;

/// <summary>Where a scenario calls <see cref="TaskGroup.Cancel()"/> from.</summary>
public enum Canceller
{
    /// <summary>The body.</summary>
    Body,

    /// <summary>A child of the group.</summary>
    Child,

    /// <summary>A task outside the group.</summary>
    Outside,
}

/// <summary>Invariant 7: when Cancel() returns, Token is cancelled and every child's token is cancelled
/// (no scheduling delay); Cancel() is safe from any thread, from a child, from the body, concurrently,
/// and after the group completed (then a no-op).</summary>
public class Invariant7CancelImmediateIdempotentTests
{
    /// <summary>Children that note, in a token callback (which CancellationTokenSource runs inline in
    /// Cancel()), that their token was cancelled, and then block until it is.</summary>
    private sealed class Observers
    {
        private readonly Log<Probe> _probes = new();

        public Func<CancellationToken, Task> Child => ct =>
        {
            var probe = new Probe(ct);
            _ = ct.Register(() => probe.Observed = true);
            _probes.Add(probe); // Registered first: a probe in the list has its callback in place.
            return TaskGroups.Systematic.Core.Child.RunUntilCancelled(ct);
        };

        /// <summary>Every child started so far had its token callbacks run.</summary>
        public bool AllObserved() => _probes.Snapshot().All(p => p.Observed);

        /// <summary>Every child started so far has a cancelled token.</summary>
        public bool AllTokensCancelled() => _probes.Snapshot().All(p => p.Token.IsCancellationRequested);

        private sealed class Probe(CancellationToken token)
        {
            public CancellationToken Token { get; } = token;

            public bool Observed { get; set; }
        }
    }

    /// <summary>Cancels and checks at once that Token, every running child's token, and (when this is
    /// the only canceller) every child's token callback saw it. A concurrent second Cancel() may return
    /// while the first is still running callbacks, exactly like CancellationTokenSource.Cancel().</summary>
    private static void CancelAndCheck(TaskGroup group, Observers observers, string who, bool onlyCanceller = true)
    {
        group.Cancel();
        Check.That(group.Token.IsCancellationRequested && group.IsCancellationRequested, $"{who}: Token not cancelled when Cancel() returned");
        Check.That(observers.AllTokensCancelled(), $"{who}: a running child's token was not cancelled when Cancel() returned");
        Check.That(!onlyCanceller || observers.AllObserved(), $"{who}: a running child's token callback had not run when Cancel() returned");
    }

    [Theory]
    [InlineData(Canceller.Body)]
    [InlineData(Canceller.Child)]
    [InlineData(Canceller.Outside)]
    public void Invariant7_CancelIsImmediate_FromBodyChildOrOutside_EveryTokenCancelledWhenCancelReturns(Canceller canceller)
    {
        async Task Scenario()
        {
            Generator random = Generator.Create();
            var observers = new Observers();
            TaskGroup? captured = null;

            Task run = TaskGroup.RunAsync(async group =>
            {
                captured = group;
                _ = group.Spawn(observers.Child);
                _ = group.Spawn(async ct =>
                {
                    await Child.YieldSome(random);
                    _ = group.Spawn(observers.Child);
                    await Child.RunUntilCancelled(ct);
                });

                switch (canceller)
                {
                    case Canceller.Body:
                        await Child.YieldSome(random);
                        CancelAndCheck(group, observers, "body");
                        break;
                    case Canceller.Child:
                        await group.Spawn(async _ =>
                        {
                            await Child.YieldSome(random);
                            CancelAndCheck(group, observers, "child");
                        });
                        break;
                    default:
                        await Task.Run(async () =>
                        {
                            await Child.YieldSome(random);
                            CancelAndCheck(group, observers, "outside");
                        });
                        break;
                }

                // Idempotent: a second call, after the first returned, changes nothing.
                await Child.YieldSome(random);
                group.Cancel();
            });

            await Check.Succeeded(run, $"Cancel() from {canceller}");
            Check.That(captured!.CancellationCaught && captured.IsCancellationRequested, "the group cancelled itself but CancellationCaught is false");
        }

        Exploration.AssertHolds(Scenario, seed: 700 + (uint)canceller);
    }

    [Fact]
    public void Invariant7_CancelIsIdempotent_ConcurrentlyFromTwoChildren_BothSeeEveryTokenCancelled()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            var observers = new Observers();
            TaskGroup? captured = null;

            Task run = TaskGroup.RunAsync(group =>
            {
                captured = group;
                _ = group.Spawn(observers.Child);
                for (int i = 0; i < 2; i++)
                {
                    string who = $"child {i}";
                    _ = group.Spawn(async _ =>
                    {
                        await Child.YieldSome(random);
                        CancelAndCheck(group, observers, who, onlyCanceller: false);
                    });
                }

                _ = group.Spawn(observers.Child);
                return Task.CompletedTask;
            });

            await Check.Succeeded(run, "Cancel() from two children at once");
            Check.That(captured!.CancellationCaught, "the group cancelled itself but CancellationCaught is false");
        }

        Exploration.AssertHolds(Scenario, seed: 710);
    }

    [Fact]
    public void Invariant7_CancelAfterCompletion_IsNoOpForEveryOutcome()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            using var caller = new CancellationTokenSource();
            (Task run, TaskGroup captured, _) = await AnyOutcome.RunAsync(random, caller, withChild: false);
            TaskStatus status = run.Status;
            bool wasCancelled = captured.IsCancellationRequested;
            bool caught = captured.CancellationCaught;

            // After completion, from this task and from another one at once.
            Task other = Task.Run(async () =>
            {
                await Child.YieldSome(random);
                captured.Cancel();
            });
            captured.Cancel();
            await other;

            Check.That(run.Status == status && captured.CancellationCaught == caught, "Cancel() after completion changed the outcome");
            Check.That(captured.IsCancellationRequested == wasCancelled, "Cancel() after completion cancelled the group's token");
        }

        Exploration.AssertHolds(Scenario, seed: 720);
    }

    [Fact]
    public void Invariant7_CancelFromOutsideRacingCompletion_OutcomeIsConsistent()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            TaskGroup? captured = null;

            Task run = TaskGroup.RunAsync(async group =>
            {
                captured = group;
                _ = group.Spawn(async _ => await Child.YieldSome(random));
                await Child.YieldSome(random);
            });

            Task outsider = Task.Run(async () =>
            {
                await Child.YieldSome(random, 4);
                captured!.Cancel();
            });

            await Check.Succeeded(run, "Cancel() racing completion");

            // If the group reports that it caught its own cancellation, that cancellation happened:
            // the token must already be cancelled when the group's task completes.
            Check.That(!captured!.CancellationCaught || captured.IsCancellationRequested,
                "CancellationCaught is true but the group's token is not cancelled at completion");
            await outsider;
            Check.That(captured.CancellationCaught || !captured.IsCancellationRequested,
                "Cancel() cancelled the group's token after completion but the group did not report CancellationCaught");
        }

        Exploration.AssertHolds(Scenario, seed: 730);
    }
}
