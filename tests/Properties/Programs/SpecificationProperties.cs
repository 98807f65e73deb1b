using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TaskGroups.Harness.Programs;
using TaskGroups.Harness.Targets;
using TaskGroups.Verification.Engine;
using Xunit;

namespace TaskGroups.Properties.Programs;

/// <summary>
/// Generated programs explored under Coyote: the real group meets the specification (the reference
/// model's outcomes, invariants 1–8 from the checker, and invariant 10 — no uncontrolled invocation
/// in strict mode — on every explored schedule of every program); each seed port
/// is refuted, with a counterexample shrunk to a few operations whose trace replays the same bug.
/// Schedules per program: <see cref="Schedules.Count"/> (TASKGROUPS_SCHEDULES deepens the run).
/// </summary>
public sealed class SpecificationProperties
{
    private static int K => Schedules.Count(100);

    [Property(Arbitrary = [typeof(ProgramArbitraries)], MaxTest = 100, EndSize = 24)]
    public Property TaskGroup_Meets_Specification(TaskProgram program)
    {
        ProgramOutcome outcome = ProgramExplorer.Explore(TargetRegistry.BuiltIn.Find("taskgroup")!, program, K, baseSeed: 0);
        Assert.Empty(outcome.Result.UncontrolledInvocations);
        return (outcome.Bug is null).Label($"bug: {outcome.Bug}");
    }

    /// <summary>The real group on programs with the feature operations (group limit / deadline /
    /// supervise, start, shield, cancel reasons): the reference model's outcomes and the checker's
    /// feature rules hold on every explored schedule.</summary>
    [Property(Arbitrary = [typeof(FeatureProgramArbitraries)], MaxTest = 25, EndSize = 24)]
    public Property TaskGroup_Meets_Specification_OnFeaturePrograms(TaskProgram program)
    {
        ProgramOutcome outcome = ProgramExplorer.Explore(TargetRegistry.BuiltIn.Find("taskgroup")!, program, K, baseSeed: 0);
        Assert.Empty(outcome.Result.UncontrolledInvocations);
        return (outcome.Bug is null).Label($"bug: {outcome.Bug}");
    }

    /// <summary>Checks the properties on <paramref name="target"/>: they must be refuted, with the
    /// counterexample shrunk to at most six operations.</summary>
    private static Counterexample RefutedAndShrunk(IGroupTarget target, PropertySettings settings)
    {
        PropertyReport report = ProgramProperties.Check(target, settings);
        Counterexample counterexample = Assert.IsType<Counterexample>(report.Counterexample);
        TaskProgram shrunk = counterexample.Shrunk.Program;
        Assert.True(shrunk.OperationCount <= 6, $"not shrunk: {shrunk} ({shrunk.OperationCount} operations)");
        return counterexample;
    }

    /// <summary>Broken feature variants whose bug the model or the checker decides (StartAsync's failure
    /// before started, the first cancel reason, a CancelAfter that throws TimeoutException): refuted, shrunk to at most six operations, and
    /// its trace replays to the identical bug. The other variants are refuted by the checker's rules
    /// (limit, shield, deadline); docs/features-harness.md lists what the CLI found for each.</summary>
    [Theory]
    [InlineData("start-failure-to-group")]
    [InlineData("reason-last-wins")]
    [InlineData("cancel-after-times-out")]
    public void FeatureVariant_Meets_Specification_IsRefutedWithShrunkCounterexample(string targetName)
    {
        IGroupTarget target = ZooTargets.Registry.Find(targetName)!;
        var settings = new PropertySettings(Count: 100, Seed: 0, Schedules: K);

        ProgramOutcome shrunk = RefutedAndShrunk(target, settings).Shrunk;
        Assert.True(shrunk.Program.UsesFeatures, $"refuted without a feature operation: {shrunk.Program}");
        AssertReplays(target, shrunk);
    }

    /// <summary>Invariant 9 in generated programs: a group that leaves its registration on the caller's
    /// token is refuted by the empty program, whose schedule file (an empty program is still a program)
    /// replays to the identical bug.</summary>
    [Fact]
    public void LeakedCallerRegistration_Meets_Specification_IsRefutedByTheEmptyProgram()
    {
        IGroupTarget target = ZooTargets.Registry.Find("leaked-caller-registration")!;
        ProgramOutcome shrunk = RefutedAndShrunk(target, new PropertySettings(Count: 100, Seed: 0, Schedules: K)).Shrunk;
        Assert.Equal(0, shrunk.Program.OperationCount);
        Assert.StartsWith("invariant 9 (", shrunk.Bug);
        AssertReplays(target, shrunk);
    }

    /// <summary>Counterexamples that refute feature variants (docs/features-harness.md) are no false
    /// alarms: the real group meets the specification on them (the ones whose verdict comes from the
    /// model or from a checker rule that races the clock or the queue; `group deadline { }` and the limit
    /// program were false alarms once).</summary>
    [Theory]
    [InlineData("group deadline { timeout f1 }")]
    [InlineData("group supervise { spawn { throw f1 } }")]
    [InlineData("start { throw f1 }")]
    [InlineData("cancel; cancel-reason r1")]
    [InlineData("group deadline { }")]
    [InlineData("group limit 1 { spawn { yield; spawn { } }; spawn { } }")] // two overlapping Spawn calls have no order (a false alarm once)
    [InlineData("cancel-after")]
    [InlineData("spawn { wait s1 }; cancel-after")]
    public void TaskGroup_Meets_Specification_OnFeatureCounterexamples(string text)
    {
        ProgramOutcome outcome = ProgramExplorer.Explore(TargetRegistry.BuiltIn.Find("taskgroup")!, TaskProgram.Parse(text), K, baseSeed: 0);
        Assert.True(outcome.Bug is null, outcome.Bug);
    }

    [Fact]
    public void Explore_FeatureProgramOnTargetWithoutFeatures_IsRefused() =>
        Assert.Throws<ArgumentException>(() => ProgramExplorer.Explore(
            TargetRegistry.BuiltIn.Find("seed-cancellable")!, TaskProgram.Parse("start { started }"), schedules: 1, baseSeed: 0));

    [Theory]
    [InlineData("seed-cancellable")]
    [InlineData("seed-manual-list")]
    public void SeedTarget_Meets_Specification_IsRefutedWithShrunkCounterexample(string targetName)
    {
        IGroupTarget target = TargetRegistry.BuiltIn.Find(targetName)!;
        var settings = new PropertySettings(Count: 100, Seed: 11, Schedules: K);

        Counterexample counterexample = RefutedAndShrunk(target, settings);
        ProgramOutcome shrunk = counterexample.Shrunk;
        Assert.True(shrunk.Program.OperationCount <= counterexample.Original.OperationCount);
        Assert.NotNull(shrunk.Bug);

        // The counterexample is really minimal: no smaller variant fails.
        Assert.All(ProgramGenerators.Shrink(shrunk.Program), smaller =>
            Assert.Null(ProgramExplorer.Explore(target, smaller, K, settings.Seed).Bug));

        AssertReplays(target, shrunk);
    }

    /// <summary>The counterexample's trace, carrying the program, replays to the identical bug.</summary>
    private static void AssertReplays(IGroupTarget target, ProgramOutcome shrunk)
    {
        string dir = Path.Combine(Path.GetTempPath(), "taskgroups-properties", Guid.NewGuid().ToString("N"));
        try
        {
            ScheduleFile trace = ScheduleFile.Read(ProgramExplorer.WriteTrace(dir, target, shrunk));
            Assert.Equal(shrunk.Program.ToString(), trace.Program);
            (ReplayRun replayed, _) = ProgramExplorer.Replay(target, trace);
            Assert.Equal(shrunk.Bug, Assert.Single(replayed.Result.Bugs));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Check_SameSeed_ReproducesTheWholeRun()
    {
        IGroupTarget target = TargetRegistry.BuiltIn.Find("seed-cancellable")!;
        var settings = new PropertySettings(Count: 50, Seed: 3, Schedules: 20);
        PropertyReport first = ProgramProperties.Check(target, settings);
        PropertyReport second = ProgramProperties.Check(target, settings);
        Assert.Equal(first.Counterexample!.Original, second.Counterexample!.Original);
        Assert.Equal(first.Counterexample.Shrunk.Program, second.Counterexample.Shrunk.Program);
        Assert.Equal(first.Counterexample.Shrunk.Bug, second.Counterexample.Shrunk.Bug);
    }
}
