using Microsoft.Coyote.Rewriting;
using Microsoft.Coyote.Specifications;
using TaskGroups.Harness.Scenarios;
using TaskGroups.Verification;
using TaskGroups.Verification.Engine;
using Xunit;

namespace TaskGroups.Systematic.Infrastructure;

/// <summary>The systematic tests prove nothing unless Coyote really controls the code: these check
/// that the build rewrote every assembly, and that the runner finds a planted bug and replays it.</summary>
public class RewritingTests
{
    [Fact]
    public void Assemblies_AfterBuild_AreRewritten()
    {
        Assert.True(RewritingEngine.IsAssemblyRewritten(typeof(TaskGroup).Assembly), "TaskGroups.dll (test copy) was not rewritten");
        Assert.True(RewritingEngine.IsAssemblyRewritten(typeof(RewritingTests).Assembly), "Systematic.dll was not rewritten");
        Assert.True(RewritingEngine.IsAssemblyRewritten(typeof(SystematicRunner).Assembly), "TaskGroups.Verification.dll was not rewritten");
        Assert.True(RewritingEngine.IsAssemblyRewritten(typeof(ScenarioExplorer).Assembly), "TaskGroups.Harness.Scenarios.dll was not rewritten");

        // The checker must never be rewritten: its bookkeeping would add scheduling points.
        Assert.False(RewritingEngine.IsAssemblyRewritten(typeof(InvariantChecker).Assembly), "TaskGroups.Verification.Checker.dll was rewritten");
    }

    [Fact]
    public void Runner_PlantedRace_IsFoundAndReplays()
    {
        static async Task Body()
        {
            int counter = await LostUpdateRace.CountAsync();
            Specification.Assert(counter == 2, $"lost update: counter is {counter}");
        }

        ExplorationResult found = SystematicRunner.Explore(Body, new ExplorationSettings(Iterations: 200, Seed: 1));
        Assert.True(found.FoundBug, "the planted race was not found");
        Assert.Contains("lost update", found.Bugs[0]);
        Assert.Empty(found.UncontrolledInvocations);

        ExplorationResult replayed = SystematicRunner.Replay(Body, found.ReproducibleTrace!);
        Assert.Equal(found.Bugs[0], Assert.Single(replayed.Bugs));
    }
}
