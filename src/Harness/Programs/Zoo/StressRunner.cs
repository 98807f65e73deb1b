using System.Diagnostics;
using TaskGroups.Verification;
using TaskGroups.Harness.Scenarios;
using TaskGroups.Harness.Targets;

namespace TaskGroups.Harness.Zoo;

/// <summary>
/// Runs scenario bodies on the real thread pool, without Coyote, with the same checker attached — the
/// baseline a systematic scheduler is measured against: how often do plain repeated runs hit the bug in
/// the same wall time? A run that does not finish within <see cref="HangTimeout"/> counts as a hang
/// and is named like a deadlock. Stress has no schedule to replay: what it finds cannot be reproduced.
/// </summary>
public static class StressRunner
{
    /// <summary>How long one run may take before it counts as a hang.</summary>
    public static readonly TimeSpan HangTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Runs <paramref name="scenarios"/> round-robin for <paramref name="budget"/>; stops at the first bug.</summary>
    public static Detection Run(IGroupTarget target, IReadOnlyList<Scenario> scenarios, TimeSpan budget)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(scenarios);
        var clock = Stopwatch.StartNew();
        long runs = 0;
        for (int i = 0; clock.Elapsed < budget; i++)
        {
            Scenario scenario = scenarios[i % scenarios.Count];
            runs++;
            if (RunOnce(target, scenario) is { } bug)
            {
                return new Detection(true, bug, SchedulePath: null, Replayed: true, clock.Elapsed, runs, scenario.Name);
            }
        }

        return Detection.None(clock.Elapsed, runs);
    }

    /// <summary>One run of <paramref name="scenario"/> on real threads; the bug line, or null.</summary>
    public static string? RunOnce(IGroupTarget target, Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        InvariantViolation? first = null;
        var checker = new InvariantChecker(v => Interlocked.CompareExchange(ref first, v, null));
        Task run;
        bool finished;

        // The scope stays open until the run has finished: the library skips listeners altogether
        // while no scope is open anywhere in the process, so a scope disposed as soon as Task.Run had
        // queued the body let groups that started after it report no events at all — and the checker,
        // seeing none, raised rare false alarms on the real group ("caller token was cancelled but the
        // group ended RanToCompletion").
        using (TaskGroupDiagnostics.Listen(checker))
        {
            run = Task.Run(() => scenario.Body(new CheckedContext(target, checker)));
            try
            {
                finished = run.Wait(HangTimeout);
            }
            catch (AggregateException)
            {
                finished = true; // the outcome is read below
            }
        }

        if (Volatile.Read(ref first) is { } violation)
        {
            return violation.ToString();
        }

        if (!finished)
        {
            return (checker.DescribeHang() ?? new InvariantViolation(1, "the scenario never finished (hang)")).ToString();
        }

        if (run.Exception?.InnerException is { } e)
        {
            // Scenario assertions (Specification.Assert outside Coyote) and exceptions escaping the target.
            string message = e.Message.Split('\n')[0].Trim();
            return message.StartsWith("invariant ", StringComparison.Ordinal) || message.StartsWith("feature rule ", StringComparison.Ordinal) || message.StartsWith("model violated", StringComparison.Ordinal)
                ? message
                : $"unhandled {e.GetType().Name}: {message}";
        }

        return null;
    }
}
