using Microsoft.Coyote.Random;
using Xunit;

namespace TaskGroups.Systematic.Core;

/// <summary>How a scenario cancels the group.</summary>
public enum CancelCause
{
    /// <summary>A child calls <see cref="TaskGroup.Cancel()"/>.</summary>
    Cancel,

    /// <summary>A child fails.</summary>
    Failure,

    /// <summary>A task outside the group cancels the caller's token.</summary>
    CallerToken,
}

/// <summary>Invariant 2: once the group is cancelled (by Cancel(), a failure or the caller's token)
/// every running child's token and the body's group.Token are cancelled, and a child spawned
/// afterwards never observes an uncancelled token. Spawn does not throw because of cancellation.</summary>
public class Invariant2AllSiblingsObserveCancellationTests
{
    [Theory]
    [InlineData(CancelCause.Cancel)]
    [InlineData(CancelCause.Failure)]
    [InlineData(CancelCause.CallerToken)]
    public void Invariant2_AllSiblingsObserveCancellation_AnyCause_RunningAndLaterChildrenSeeCancelledToken(CancelCause cause)
    {
        async Task Scenario()
        {
            Generator random = Generator.Create();
            using var caller = new CancellationTokenSource();
            var planted = new PlantedException("trigger");
            var late = new Log<Task>();

            // A child spawned at this moment: if the group was already cancelled when Spawn was
            // called, the child must never see an uncancelled token.
            void SpawnLate(TaskGroup group, string who)
            {
                bool cancelledBefore = group.IsCancellationRequested;
                late.Add(group.Spawn(ct =>
                {
                    Check.That(ct == group.Token, $"{who}: a child received a token other than group.Token");
                    Check.That(!cancelledBefore || ct.IsCancellationRequested, $"{who}: a child spawned after cancellation saw an uncancelled token");
                    return Task.CompletedTask;
                }));
            }

            Task canceller = Task.CompletedTask; // awaited at the end: Verify reports a task left running
            Task run = TaskGroup.RunAsync(async group =>
            {
                for (int i = 0; i < 2; i++)
                {
                    string name = $"blocked child {i}";
                    _ = group.Spawn(async ct =>
                    {
                        // Blocked until cancelled: if this token is never cancelled, Coyote reports a deadlock.
                        await Child.UntilCancelled(ct);
                        SpawnLate(group, name);
                        ct.ThrowIfCancellationRequested();
                    });
                }

                if (cause == CancelCause.CallerToken)
                {
                    canceller = Task.Run(async () =>
                    {
                        await Child.YieldSome(random);
                        caller.Cancel();
                    });
                }
                else
                {
                    _ = group.Spawn(async ct =>
                    {
                        await Child.YieldSome(random);
                        if (cause == CancelCause.Failure)
                        {
                            throw planted;
                        }

                        group.Cancel();
                    });
                }

                await Child.YieldSome(random);
                SpawnLate(group, "body, racing the cancellation");
                await Child.UntilCancelled(group.Token);
                Check.That(group.Token.IsCancellationRequested && group.IsCancellationRequested, "the body's group.Token is not cancelled");
                SpawnLate(group, "body, after the cancellation");
            }, caller.Token);

            switch (cause)
            {
                case CancelCause.Cancel:
                    await Check.Succeeded(run, "cancelled by Cancel()");
                    break;
                case CancelCause.Failure:
                    IReadOnlyList<Exception> failures = await Check.Faulted(run, "cancelled by a failure");
                    Check.That(failures.Count == 1 && failures[0] == planted, $"expected exactly the planted failure, got {failures.Count}");
                    break;
                default:
                    await Check.CanceledWith(run, "cancelled by the caller's token", caller.Token);
                    break;
            }

            Check.That(late.Snapshot().All(t => t.IsCompleted), "a late child outlived the group");
            await canceller;
        }

        Exploration.AssertHolds(Scenario, seed: 200 + (uint)cause);
    }

    [Fact]
    public void Invariant2_AllSiblingsObserveCancellation_CallerTokenCancelledBeforeRun_BodyAndChildrenStartCancelled()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            using var caller = new CancellationTokenSource();
            caller.Cancel();
            bool childRan = false;

            Task run = TaskGroup.RunAsync(async group =>
            {
                Check.That(group.IsCancellationRequested, "the body started with an uncancelled token although the caller's token was cancelled");
                await Child.YieldSome(random);
                _ = group.Spawn(ct =>
                {
                    childRan = true;
                    Check.That(ct.IsCancellationRequested, "a child started with an uncancelled token although the caller's token was cancelled");
                    return Task.CompletedTask;
                });
            }, caller.Token);

            await Check.CanceledWith(run, "caller's token cancelled before RunAsync", caller.Token);
            Check.That(childRan, "the documented decision is that a child spawned after cancellation still runs (with a cancelled token)");
        }

        Exploration.AssertHolds(Scenario, seed: 210);
    }
}
