using Microsoft.Coyote.Random;
using TaskGroups.Systematic.Core;
using Xunit;

namespace TaskGroups.Systematic.Features;

/// <summary>Cancel(reason) and CancellationReason: the first cause wins, in the spec's words.</summary>
public class CancelReasonTests
{
    [Fact]
    public void CancelReason_TwoCancelsRacing_TheFirstReasonIsKept()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            var begun = new Log<string>();
            string[]? begunAtCancel = null;
            TaskGroup? captured = null;
            Task run = TaskGroup.RunAsync(group =>
            {
                captured = group;
                group.Token.Register(() => begunAtCancel = begun.Snapshot());
                for (int i = 1; i <= 2; i++)
                {
                    string reason = $"child {i} is done";
                    _ = group.Spawn(async _ =>
                    {
                        await Child.YieldSome(random);
                        begun.Add(reason);
                        group.Cancel(reason);
                    });
                }

                return Task.CompletedTask;
            });
            await Check.Succeeded(run, "the group cancelled itself");
            Check.That(begunAtCancel is not null && begunAtCancel.Contains(captured!.CancellationReason),
                $"CancellationReason is \"{captured!.CancellationReason}\"; begun before the token was cancelled: {string.Join("; ", begunAtCancel ?? [])}");
        }

        Exploration.AssertHolds(Scenario, seed: 1501);
    }

    [Fact]
    public void CancelReason_FailureThenCallerThenCancel_TextsNameTheFirstCause()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            int first = random.NextInteger(3); // 0: failure, 1: caller, 2: Cancel(null)
            using var caller = new CancellationTokenSource();
            TaskGroup? captured = null;
            Task run = TaskGroup.RunAsync(async group =>
            {
                captured = group;
                _ = group.Spawn(Child.RunUntilCancelled);
                await Child.YieldSome(random);
                switch (first)
                {
                    case 0:
                        _ = group.Spawn(_ => throw new InvalidOperationException("disk full"));
                        break;
                    case 1:
                        caller.Cancel();
                        break;
                    default:
                        group.Cancel(null);
                        break;
                }

                group.Cancel("too late to matter");
            }, caller.Token);
            await Check.Settle(run);
            string? reason = captured!.CancellationReason;
            string expected = first switch
            {
                0 => "child 2 failed: InvalidOperationException: disk full",
                1 => "the caller's token was cancelled",
                _ => "Cancel() was called",
            };
            Check.That(reason == expected, $"CancellationReason is \"{reason}\", expected \"{expected}\"");
        }

        Exploration.AssertHolds(Scenario, seed: 1502);
    }
}
