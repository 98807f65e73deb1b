using TaskGroups.Harness.Scenarios;
using TaskGroups.Harness.Targets;
using TaskGroups.Verification.Engine;
using Xunit;

namespace TaskGroups.Systematic.Harness;

/// <summary>
/// The contract suite: every scenario of the harness, explored under Coyote (strict mode, checker on,
/// <see cref="Schedules.Count"/> schedules) against one target. The real group must pass every
/// scenario; each deliberately flawed seed port must be caught on the scenarios that expose its
/// flaws, the written trace must replay to the identical bug, and the scenarios that do not expose
/// a flaw must stay clean (so the checker raises no false alarms).
/// </summary>
public abstract class TargetContractTests
{
    /// <summary>The target under test.</summary>
    protected abstract IGroupTarget Target { get; }

    /// <summary>The scenarios on which this target must be caught.</summary>
    protected abstract IReadOnlySet<string> ScenariosThatFindABug { get; }

    /// <summary>Schedules per scenario.</summary>
    protected virtual int ScheduleCount => Schedules.Count();

    public static TheoryData<string> Scenarios() => [.. ScenarioRegistry.BuiltIn.All.Select(s => s.Name)];

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Explore_Scenario_MatchesContract(string scenarioName)
    {
        Scenario scenario = ScenarioRegistry.BuiltIn.Find(scenarioName)!;
        if (!scenario.RunsOn(Target))
        {
            // A feature scenario on a target without the features: explicitly not run (a capability,
            // not a name match), and the scenario's own entry point refuses the target.
            Assert.True(scenario.RequiresFeatures, $"{scenarioName} is a seed scenario but does not run on {Target.Name}");
            Assert.False(Target is IFeatureTarget, $"{Target.Name} supports the features but {scenarioName} does not run on it");
            Assert.DoesNotContain(scenario, ScenarioRegistry.BuiltIn.For(Target));
            var context = new CheckedContext(Target, new TaskGroups.Verification.InvariantChecker());
            Assert.Throws<InvalidOperationException>(() => { _ = context.RunFeatureGroupAsync(new TaskGroupOptions(), _ => Task.CompletedTask); });
            return;
        }

        string outDir = Path.Combine(Path.GetTempPath(), "taskgroups-contract", Target.Name, Guid.NewGuid().ToString("N"));
        ScenarioOutcome outcome = ScenarioExplorer.Explore(Target, scenario, new ExplorationSettings(ScheduleCount, Seed: 7), Shard.All, outDir);

        Assert.Empty(outcome.UncontrolledInvocations);
        if (!ScenariosThatFindABug.Contains(scenarioName))
        {
            Assert.True(outcome.Bug is null, $"{Target.Name} / {scenarioName}: unexpected bug after {outcome.Schedules} schedules: {outcome.Bug}");
            Assert.Equal(ScheduleCount, outcome.Schedules);
            return;
        }

        Assert.True(outcome.Bug is not null, $"{Target.Name} / {scenarioName}: no bug found in {outcome.Schedules} schedules");
        Assert.Matches("^(invariant [1-8] \\(.+\\) violated: |feature rule [a-z-]+ \\(.+\\) violated: |Deadlock detected)", outcome.Bug);

        // The trace on disk replays to the identical bug, every time.
        ScheduleFile trace = ScheduleFile.Read(outcome.TracePath!);
        Assert.Equal(outcome.Bug, trace.Bug);
        for (int i = 0; i < 2; i++)
        {
            (ReplayRun replayed, _) = ScenarioExplorer.Replay(trace, ZooTargets.Registry, ScenarioRegistry.BuiltIn);
            Assert.Equal(outcome.Bug, Assert.Single(replayed.Result.Bugs));
        }

        Directory.Delete(outDir, recursive: true);
    }
}

public sealed class TaskGroupContractTests : TargetContractTests
{
    protected override IGroupTarget Target => TargetRegistry.BuiltIn.Find("taskgroup")!;

    protected override IReadOnlySet<string> ScenariosThatFindABug { get; } = new HashSet<string>();
}

/// <summary>The seed ports share CPython's asyncio.TaskGroup core and are caught on the same scenarios.</summary>
public abstract class SeedTargetContractTests : TargetContractTests
{
    protected override IReadOnlySet<string> ScenariosThatFindABug { get; } = new HashSet<string>
    {
        "seed-jobs-and-daemon",              // invariant 7: Cancel() returns before the token is cancelled
        "seed-caller-cancel",
        "spawn-after-cancel",                // invariant 2: spawning into an aborting group throws
        "caller-cancel-races-cancel",
        "nested-outer-cancel",
        "nested-inner-cancel",
        "errors-in-cleanup",
        "private-timeout-is-failure",        // a private cancellation is swallowed: the group hangs
        "fail-fast",
        "cancel-concurrent",
        "cancel-from-outside-racing-completion",
        "gh-155433-timeout-after-cancel",
        "gh-116720-nested-swallow",
        "gh-155418-cancel-races-completion",
        "bookkeeping-long-lived-caller",     // the scenarios below all call Cancel(): invariant 7 first
        "registration-throws-on-cancel",
        "gh-155418-eager-cancel",
        "anyio-685-spawn-across-groups",
        "linked-source-cancel",
        "trysetcanceled-without-token",
        "private-timeout-races-cancel",
        "faulted-with-cancellation",         // asyncio takes a CancelledError as cancellation, whatever the task's state
    };
}

public sealed class SeedCancellableContractTests : SeedTargetContractTests
{
    protected override IGroupTarget Target => TargetRegistry.BuiltIn.Find("seed-cancellable")!;
}

public sealed class SeedManualListContractTests : SeedTargetContractTests
{
    protected override IGroupTarget Target => TargetRegistry.BuiltIn.Find("seed-manual-list")!;
}
