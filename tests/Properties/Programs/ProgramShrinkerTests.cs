using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TaskGroups.Harness.Programs;
using Xunit;

namespace TaskGroups.Properties.Programs;

/// <summary>The text form round-trips; the generator respects its caps; the shrinker reaches a minimal program.</summary>
public sealed class ProgramShrinkerTests
{
    /// <summary>A big program: 16 operations (more than the generator makes), two levels of nesting, every kind of operation.</summary>
    private static readonly TaskProgram s_big = TaskProgram.Parse(
        "spawn { yield; wait s1; throw f1 }; spawn-value 7 { set s1; spawn { cancel-caller } }; " +
        "spawn { group { spawn { throw-in-cleanup f2 }; spawn { yield; cancel-outer 1 } } }; cancel");

    [Property(Arbitrary = [typeof(ProgramArbitraries)], MaxTest = 300)]
    public bool Parse_ToString_RoundTrips(TaskProgram program) => TaskProgram.Parse(program.ToString()).Equals(program);

    [Property(Arbitrary = [typeof(ProgramArbitraries)], MaxTest = 300)]
    public bool Generate_StaysWithinCaps(TaskProgram program)
    {
        var model = ProgramModel.Of(program);
        return program.OperationCount <= TaskProgram.MaxOperations
            && model.Groups.All(g => g.Depth <= TaskProgram.MaxGroupDepth && g.Tasks.Count - 1 <= TaskProgram.MaxChildrenPerGroup);
    }

    [Fact]
    public void Shrink_BigProgram_EveryCandidateIsSmallerOrSimpler()
    {
        Assert.Equal(16, s_big.OperationCount);
        List<TaskProgram> candidates = [.. ProgramGenerators.Shrink(s_big)];
        Assert.NotEmpty(candidates);
        Assert.DoesNotContain(s_big, candidates);
        Assert.All(candidates, c => Assert.True(c.OperationCount <= s_big.OperationCount));
        Assert.Equal(candidates.Count, candidates.Distinct().Count());

        // The first candidates drop whole children.
        Assert.Equal(TaskProgram.Parse("spawn-value 7 { set s1; spawn { cancel-caller } }; spawn { group { spawn { throw-in-cleanup f1 }; spawn { yield; cancel-outer 1 } } }; cancel"), candidates[0]);
    }

    [Theory]
    [InlineData("throw-in-cleanup", "throw-in-cleanup f1")]
    [InlineData("cancel-outer", "group { cancel-outer 1 }")]
    [InlineData("set", "set s1")]
    public void Shrink_BigProgram_FsCheckReachesMinimalFailingProgram(string keyword, string minimal)
    {
        // A stand-in "bug": the program contains the keyword. FsCheck must shrink the big program
        // to the smallest program that still contains it.
        TaskProgram? last = null;
        Property property = Prop.ForAll(Arb.From(Gen.Constant(s_big), ProgramGenerators.Shrink), (TaskProgram p) =>
        {
            bool fails = p.ToString().Contains(keyword + " ", StringComparison.Ordinal);
            if (fails)
            {
                last = p;
            }

            return !fails;
        });

        Assert.ThrowsAny<Exception>(() => Check.One(Config.QuickThrowOnFailure.WithMaxTest(1), property));
        Assert.Equal(TaskProgram.Parse(minimal), last);
    }
}
