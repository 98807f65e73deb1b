using TaskGroups.Verification.Engine;
using TaskGroups.Harness.Scenarios;
using TaskGroups.Harness.Targets;
using TaskGroups.Harness.Zoo;
using Xunit;

namespace TaskGroups.Systematic.Harness;

/// <summary>
/// The zoo's half of the contract suite: the compact reference group (the base every zoo port is built
/// on) must pass every scenario, like the library; and every broken target must be caught by exploring
/// the scenario set, with a schedule file that replays to the identical bug line naming an invariant.
/// </summary>
public sealed class MiniReferenceContractTests : TargetContractTests
{
    protected override IGroupTarget Target => ZooTargets.Reference;

    protected override IReadOnlySet<string> ScenariosThatFindABug { get; } = new HashSet<string>();

    protected override int ScheduleCount => Schedules.Count(300);
}

public sealed class ZooContractTests
{
    public static TheoryData<string> BrokenTargets() => [.. ZooTargets.Broken.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(BrokenTargets))]
    public void Explore_BrokenTarget_IsCaughtAndReplaysIdentically(string name)
    {
        IGroupTarget target = ZooTargets.Registry.Find(name)!;
        string outDir = Path.Combine(Path.GetTempPath(), "taskgroups-zoo", name, Guid.NewGuid().ToString("N"));
        try
        {
            Detection found = ZooRunner.ExploreUntilFound(target, new ZooSettings(Iterations: Schedules.Count(250), Seed: 3, OutDirectory: outDir));

            Assert.True(found.Found, $"{name}: not caught in {found.Attempts} schedules over {ScenarioRegistry.BuiltIn.For(target).Count} scenarios");
            Assert.Matches("^(invariant ([1-9]|10)|feature rule [a-z-]+) \\(.+\\) violated: ", found.Bug);
            Assert.True(found.Replayed, $"{name}: replaying {found.SchedulePath} did not print the identical line: {found.Bug}");
        }
        finally
        {
            if (Directory.Exists(outDir))
            {
                Directory.Delete(outDir, recursive: true);
            }
        }
    }

    [Fact]
    public void Catalog_EveryBrokenTarget_NamesItsSourceAndInvariant()
    {
        Assert.True(ZooTargets.Broken.Count >= 15, $"only {ZooTargets.Broken.Count} broken targets");
        Assert.All(ZooTargets.Broken, t =>
        {
            Assert.False(string.IsNullOrWhiteSpace(t.Source), t.Name);
            Assert.Matches("invariant [1-9]|outcome table|feature rule [a-z-]+", t.Breaks);
        });
        Assert.Equal(["taskgroup", "mini-reference"], ZooTargets.Clean.Select(t => t.Name));
    }

    [Fact]
    public void CallerRegistrations_CountsRegistrationsOnThisRuntime()
    {
        // Invariant 9's scenario relies on it; if the runtime's fields changed, the check must not
        // silently switch off.
        Assert.True(CallerRegistrations.IsSupported);
        using var source = new CancellationTokenSource();
        Assert.Equal(0, CallerRegistrations.Count(source));
        CancellationTokenRegistration a = source.Token.Register(() => { });
        CancellationTokenRegistration b = source.Token.Register(() => { });
        Assert.Equal(2, CallerRegistrations.Count(source));
        a.Dispose();
        Assert.Equal(1, CallerRegistrations.Count(source));
        b.Dispose();
        Assert.Equal(0, CallerRegistrations.Count(source));
    }

    [Fact]
    public void Stress_BrokenTarget_IsCaughtOnRealThreads()
    {
        // The stress baseline works: the leaked registration shows on the real thread pool too.
        Detection found = StressRunner.Run(ZooTargets.Registry.Find("leaked-caller-registration")!,
            [ScenarioRegistry.BuiltIn.Find("bookkeeping-long-lived-caller")!], TimeSpan.FromSeconds(5));
        Assert.True(found.Found, $"not caught in {found.Attempts} runs");
        Assert.StartsWith("invariant 9 ", found.Bug, StringComparison.Ordinal);
    }
}
