using Microsoft.Coyote.Random;
using Microsoft.Coyote.Specifications;
using TaskGroups.Harness.Targets;
using TaskGroups.Verification;

namespace TaskGroups.Harness.Scenarios;

/// <summary>
/// What a scenario body gets: the target to run groups on (every group checked), Coyote's
/// controlled randomness, named external tasks, and assertions that become Coyote bugs.
/// One context per explored schedule.
/// </summary>
public sealed class CheckedContext
{
    private Generator? _random;

    /// <summary>Creates a context for one schedule.</summary>
    /// <param name="target">The implementation under test.</param>
    /// <param name="checker">The checker every group reports to.</param>
    /// <param name="unchecked">Run groups directly on the target, without the checking wrapper: only
    /// for measuring what checking costs against raw Coyote (<c>throughput</c>).</param>
    public CheckedContext(IGroupTarget target, InvariantChecker checker, bool @unchecked = false)
    {
        Target = target;
        Checker = checker;
        _unchecked = @unchecked;
    }

    private readonly bool _unchecked;

    /// <summary>The implementation under test.</summary>
    public IGroupTarget Target { get; }

    /// <summary>The checker every group of this schedule reports to.</summary>
    public InvariantChecker Checker { get; }

    /// <summary>Coyote's controlled random generator: its choices are part of the schedule, so a
    /// replay makes the same ones. Never use System.Random in a scenario.</summary>
    private Generator Random => _random ??= Generator.Create();

    /// <summary>Runs a checked group; returns its completed task (never throws its outcome).</summary>
    public Task<Task> RunGroupAsync(Func<IGroupScope, Task> body, CancellationToken callerToken = default) =>
        _unchecked ? RunUncheckedAsync(body, callerToken) : CheckedRun.RunAsync(Target, Checker, body, callerToken);

    /// <summary>Whether the target supports the beyond-the-seed features (<see cref="IFeatureTarget"/>).</summary>
    public bool SupportsFeatures => Target is IFeatureTarget;

    /// <summary>
    /// Runs a checked group of a feature target with <paramref name="options"/>; with
    /// <paramref name="clock"/>, the options' TimeProvider is the clock's and the run samples its
    /// deadline around every advance. Returns its completed task (never throws its outcome).
    /// </summary>
    /// <exception cref="InvalidOperationException">The target is not an <see cref="IFeatureTarget"/>
    /// (a feature scenario must declare <see cref="Scenario.RequiresFeatures"/>).</exception>
    public Task<Task> RunFeatureGroupAsync(TaskGroupOptions options, Func<IFeatureScope, Task> body, CancellationToken callerToken = default, VirtualClock? clock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Target is not IFeatureTarget features)
        {
            throw new InvalidOperationException($"target '{Target.Name}' does not support the beyond-the-seed features");
        }

        if (clock is not null)
        {
            options = new TaskGroupOptions
            {
                Timeout = options.Timeout,
                MaxConcurrency = options.MaxConcurrency,
                FailFast = options.FailFast,
                TimeProvider = clock.Time,

            };
        }

        return _unchecked
            ? RunUncheckedFeatureAsync(features, options, body, callerToken)
            : CheckedRun.RunAsync(features, Checker, options, body, callerToken, clock);
    }

    private static async Task<Task> RunUncheckedFeatureAsync(IFeatureTarget target, TaskGroupOptions options, Func<IFeatureScope, Task> body, CancellationToken callerToken)
    {
        Task run = target.RunAsync(body, options, NullListener.Instance, callerToken);
        try
        {
            await run;
        }
        catch (Exception)
        {
            // The outcome is in the task.
        }

        return run;
    }

    /// <summary>Starts this schedule's <see cref="VirtualClock"/>: advances of one or two
    /// <paramref name="tick"/>s at moments the schedule picks, while a timer on it is armed.</summary>
    public VirtualClock StartClock(TimeSpan tick, int maxYields = 3) => VirtualClock.Start(this, tick, maxYields);

    /// <summary>Fails the schedule with a violation of feature rule <paramref name="rule"/> (<see cref="FeatureRule"/>).</summary>
    public void CheckFeature(bool condition, FeatureRule rule, string detail)
    {
        if (!condition)
        {
            var violation = InvariantViolation.OfFeature(rule, detail);
            Log(violation.ToString(), TimelineEntryKind.Violation);
            Specification.Assert(false, "{0}", violation.ToString());
        }
    }

    private async Task<Task> RunUncheckedAsync(Func<IGroupScope, Task> body, CancellationToken callerToken)
    {
        Task run = Target.RunAsync(body, NullListener.Instance, callerToken);
        try
        {
            await run;
        }
        catch (Exception)
        {
            // The outcome is in the task.
        }

        return run;
    }

    private sealed class NullListener : ITaskGroupListener
    {
        public static readonly NullListener Instance = new();

        public void OnEvent(in TaskGroupEvent e)
        {
        }
    }

    /// <summary>A controlled coin flip.</summary>
    public bool Chance() => Random.NextBoolean();

    /// <summary>A controlled integer in [0, <paramref name="maxExclusive"/>).</summary>
    public int Next(int maxExclusive) => Random.NextInteger(maxExclusive);

    /// <summary>Yields between 0 and <paramref name="max"/> times, as the schedule decides.</summary>
    public async Task YieldSomeAsync(int max = 3)
    {
        int n = Next(max + 1);
        for (int i = 0; i < n; i++)
        {
            await Task.Yield();
        }
    }

    /// <summary>Starts a task outside any group (the caller's timeout, an outsider), named in the timeline.</summary>
    public Task StartTask(string name, Func<Task> work) => Task.Run(async () =>
    {
        Timeline.SetCurrentTask(name);
        await work();
    });

    /// <summary>Starts a task named <paramref name="name"/> that cancels <paramref name="source"/>
    /// after up to <paramref name="maxYields"/> yields (the caller's timeout firing at a moment the
    /// schedule picks).</summary>
    public Task CancelLater(string name, CancellationTokenSource source, int maxYields)
    {
        Checker.Timeline?.Describe(name, "the caller's timeout: cancels the caller's token at a moment the schedule picks");
        return StartTask(name, async () =>
        {
            await YieldSomeAsync(maxYields);
            Log("cancels the caller's token", TimelineEntryKind.CancelCalled);
            source.Cancel();
        });
    }

    /// <summary>Records a step of the scenario in the timeline.</summary>
    public void Log(string what, TimelineEntryKind kind = TimelineEntryKind.Note)
    {
        if (!_unchecked)
        {
            Checker.Timeline?.Add(what, kind);
        }
    }

    /// <summary>Fails the schedule with a violation of invariant <paramref name="number"/>.</summary>
    public void Check(bool condition, int number, string detail)
    {
        if (!condition)
        {
            var violation = new InvariantViolation(number, detail);
            Log(violation.ToString(), TimelineEntryKind.Violation);
            Specification.Assert(false, "{0}", violation.ToString());
        }
    }

    /// <summary>Blocks until <paramref name="token"/> is cancelled, then throws its cancellation.
    /// (Coyote's Task.Delay does not wake on cancellation: a registration does.)</summary>
    public static async Task UntilCancelledAsync(CancellationToken token)
    {
        var woken = new TaskCompletionSource();
        using (token.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), woken))
        {
            await woken.Task;
        }

        throw new OperationCanceledException(token);
    }
}
