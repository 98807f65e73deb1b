using System.Runtime.CompilerServices;
using Microsoft.Coyote.Random;
using Microsoft.Coyote.Specifications;
using TaskGroups.Harness.Scenarios;
using TaskGroups.Verification;
using Verifier = TaskGroups.Verification.Systematic; // this project's namespace is TaskGroups.Systematic

namespace TaskGroups.Systematic.Core;

/// <summary>Runs one scenario of the real <see cref="TaskGroup"/> through <see cref="Verifier.Verify"/>
/// (strict mode, the invariant checker on every group): a schedule that breaks a
/// <see cref="Specification.Assert(bool, string, object[])"/>, deadlocks, or calls anything uncontrolled
/// fails the xunit test with the bug:, schedule: and replay: lines.</summary>
internal static class Exploration
{
    /// <summary>Verifies <paramref name="scenario"/> with a fixed seed on one engine (the seeds these
    /// tests were written with), so that a failure replays; the calling test's name goes into the schedule.</summary>
    public static void AssertHolds(Func<Task> scenario, uint seed, [CallerMemberName] string testName = "", [CallerFilePath] string file = "") =>
        Verifier.Verify(scenario, new SystematicOptions { Seed = seed, Parallelism = 1 }, testName, file);
}

/// <summary>Checks made inside a scenario: a violation becomes a Coyote bug with a replayable schedule.</summary>
internal static class Check
{
    /// <summary>Fails the current schedule with <paramref name="message"/> unless <paramref name="condition"/>.</summary>
    public static void That(bool condition, string message)
    {
        // The message is passed as an argument, never as the format: exception texts may hold braces.
        Specification.Assert(condition, "{0}", message);
    }

    /// <summary>Awaits <paramref name="run"/> without throwing; returns what awaiting it threw, or null.</summary>
    public static async Task<Exception?> Settle(Task run)
    {
        try
        {
            await run;
            return null;
        }
        catch (Exception exception)
        {
            return exception;
        }
    }

    /// <summary>The group ended RanToCompletion.</summary>
    public static async Task Succeeded(Task run, string scenario)
    {
        Exception? thrown = await Settle(run);
        That(run.Status == TaskStatus.RanToCompletion, $"{scenario}: expected RanToCompletion, was {run.Status} ({thrown?.GetType().Name}: {thrown?.Message})");
    }

    /// <summary>The group ended Canceled, and awaiting it throws an OperationCanceledException carrying
    /// <paramref name="callerToken"/>.</summary>
    public static async Task CanceledWith(Task run, string scenario, CancellationToken callerToken)
    {
        Exception? thrown = await Settle(run);
        That(run.Status == TaskStatus.Canceled, $"{scenario}: expected Canceled, was {run.Status} ({thrown?.GetType().Name}: {thrown?.Message})");
        That(thrown is OperationCanceledException oce && oce.CancellationToken == callerToken,
            $"{scenario}: awaiting the group must throw OperationCanceledException with the caller's token, threw {thrown?.GetType().Name}");
    }

    /// <summary>The group ended Faulted with one <see cref="TaskGroupException"/>; returns its failures.</summary>
    public static async Task<IReadOnlyList<Exception>> Faulted(Task run, string scenario)
    {
        Exception? thrown = await Settle(run);
        That(run.Status == TaskStatus.Faulted, $"{scenario}: expected Faulted, was {run.Status}");
        That(thrown is TaskGroupException, $"{scenario}: awaiting the group must throw one TaskGroupException, threw {thrown?.GetType().Name}");
        return ((TaskGroupException)thrown!).InnerExceptions;
    }
}

/// <summary>Building blocks for children.</summary>
internal static class Child
{
    /// <summary>A task that completes when <paramref name="token"/> is cancelled: "blocked until
    /// cancelled". A TaskCompletionSource completed from a registration, because Coyote's Task.Delay
    /// ignores its token; without RunContinuationsAsynchronously, which Coyote does not control.</summary>
    public static Task UntilCancelled(CancellationToken token)
    {
        var cancelled = new TaskCompletionSource();
        token.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), cancelled);
        return cancelled.Task;
    }

    /// <summary>Blocks until <paramref name="token"/> is cancelled, then ends with its cancellation
    /// (the harness's own blocking child).</summary>
    public static Task RunUntilCancelled(CancellationToken token) => CheckedContext.UntilCancelledAsync(token);

    /// <summary>A few scheduling points, as many as Coyote's generator picks (0 to <paramref name="max"/>).</summary>
    public static async Task YieldSome(Microsoft.Coyote.Random.Generator random, int max = 3)
    {
        int count = random.NextInteger(max + 1);
        for (int i = 0; i < count; i++)
        {
            await Task.Yield();
        }
    }
}

/// <summary>A group that ends in one of the outcome table's four ways, picked by Coyote.</summary>
internal static class AnyOutcome
{
    /// <summary>Runs a group that, after a few scheduling points, ends successfully (0), cancels itself
    /// (1), fails (2) or has its caller's token cancelled (3); returns the settled run, the group and
    /// the outcome picked. <paramref name="withChild"/> adds a child that yields a few times.</summary>
    public static async Task<(Task Run, TaskGroup Group, int Outcome)> RunAsync(Generator random, CancellationTokenSource caller, bool withChild)
    {
        int outcome = random.NextInteger(4);
        TaskGroup? captured = null;
        Task run = TaskGroup.RunAsync(async group =>
        {
            captured = group;
            if (withChild)
            {
                _ = group.Spawn(async _ => await Child.YieldSome(random));
            }

            await Child.YieldSome(random);
            switch (outcome)
            {
                case 1:
                    group.Cancel();
                    break;
                case 2:
                    throw new PlantedException("failure");
                case 3:
                    caller.Cancel();
                    break;
            }
        }, caller.Token);

        await Check.Settle(run);
        return (run, captured!, outcome);
    }
}

/// <summary>A failure planted by a scenario, told apart by its name.</summary>
internal sealed class PlantedException(string name) : Exception(name)
{
    public string Name { get; } = name;
}

/// <summary>Appends to a list from any task; a plain lock, which Coyote controls.</summary>
internal sealed class Log<T>
{
    private readonly object _gate = new();
    private readonly List<T> _items = [];

    public void Add(T item)
    {
        lock (_gate)
        {
            _items.Add(item);
        }
    }

    public T[] Snapshot()
    {
        lock (_gate)
        {
            return [.. _items];
        }
    }
}
