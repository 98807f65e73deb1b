using FsCheck.Xunit;
using TaskGroups.Harness.Programs;
using Xunit;

namespace TaskGroups.Properties.Programs;

/// <summary>The feature operations of the program language: their text form, and what the reference
/// model allows for each (hand-checked against the spec's "Beyond the seed").</summary>
public sealed class FeatureModelTests
{
    private static ProgramModel Model(string program) => ProgramModel.Of(TaskProgram.Parse(program));

    [Theory]
    [InlineData("group limit 2 deadline supervise { spawn { start { yield; started; throw f1 } }; shield { wait-grace; throw f2 }; cancel-reason r1 }")]
    [InlineData("group limit 1 { spawn { yield }; spawn { } }")]
    [InlineData("spawn { cancel-reason r1 }; group deadline { spawn { wait-canceled } }; cancel-reason r2")]
    [InlineData("start { wait s1; cancel; started }; shield { set s1 }")]
    [InlineData("group { spawn { wait s1 }; cancel-after }")]
    public void Parse_FeatureProgram_RoundTrips(string text)
    {
        TaskProgram program = TaskProgram.Parse(text);
        Assert.Equal(text, program.ToString());
        Assert.True(program.UsesFeatures);
        Assert.Equal(program, TaskProgram.Parse(program.ToString()));
    }

    [Property(Arbitrary = [typeof(FeatureProgramArbitraries)], MaxTest = 300)]
    public bool Parse_GeneratedFeatureProgram_RoundTrips(TaskProgram program) => TaskProgram.Parse(program.ToString()).Equals(program);

    [Property(Arbitrary = [typeof(FeatureProgramArbitraries)], MaxTest = 300)]
    public bool Generate_FeatureProgram_StaysWithinCaps(TaskProgram program)
    {
        var model = ProgramModel.Of(program);
        return program.OperationCount <= TaskProgram.MaxOperations
            && model.Groups.All(g => g.Depth <= TaskProgram.MaxGroupDepth && g.Tasks.Count(t => t.Kind == TaskKind.Child) <= TaskProgram.MaxChildrenPerGroup);
    }

    [Property(Arbitrary = [typeof(FeatureProgramArbitraries)], MaxTest = 100)]
    public bool Shrink_FeatureProgram_CandidatesParseBack(TaskProgram program) =>
        ProgramGenerators.Shrink(program).All(c => TaskProgram.Parse(c.ToString()).Equals(c) && c.OperationCount <= program.OperationCount);

    [Theory]
    [InlineData("started")]
    [InlineData("spawn { wait-grace }")]
    [InlineData("start { spawn { } }")]
    [InlineData("start { started; started }")]
    [InlineData("shield { cancel }")]
    [InlineData("group limit 4 { }")]
    [InlineData("group supervise limit 2 { }")]
    public void Parse_MisplacedFeatureOperation_IsRejected(string text) =>
        Assert.Throws<ProgramFormatException>(() => TaskProgram.Parse(text));

    [Fact]
    public void Normalize_DropsWhatCannotStandWhereItStands()
    {
        // What shrinking produces when it inlines a start or shield block into its task.
        var program = TaskProgram.Of(new StartedOp(), new WaitGraceOp(), new SpawnOp(TaskProgram.B(new YieldOp())),
            new GroupOp(Block.Empty, GroupConfig.None), new CancelReasonOp(7));
        Assert.Equal("spawn { yield }; group { }; cancel-reason r1", program.Normalize().ToString());
    }

    [Fact]
    public void UsesFeatures_SeedProgram_IsFalse() =>
        Assert.False(TaskProgram.Parse("spawn { throw f1 }; group { cancel }").UsesFeatures);

    [Fact]
    public void Expect_SupervisedChildFails_SiblingNeverCancelledButFailureReported()
    {
        ProgramModel model = Model("group supervise { spawn { throw f1 }; spawn { yield } }");
        Assert.Equal([TaskEnd.RanToCompletion], model.TaskExpectations[3]);
        Assert.Equal([TaskStatus.Faulted], model.GroupExpectations[1].Statuses);
        Assert.Equal([1], model.GroupExpectations[1].MustFailures);
    }

    [Fact]
    public void Expect_FailFastChildFails_SiblingMayBeCancelled() =>
        Assert.Contains(TaskEnd.Canceled, Model("group { spawn { throw f1 }; spawn { yield } }").TaskExpectations[3]);

    [Fact]
    public void Expect_SupervisedBodyFails_ItsChildrenMayBeCancelled() =>
        Assert.Contains(TaskEnd.Canceled, Model("group supervise { spawn { yield }; throw f1 }").TaskExpectations[2]);

    [Fact]
    public void Expect_FailureBeforeStarted_IsStartAsyncsNotTheGroups()
    {
        GroupExpectation e = Model("start { throw f1 }; spawn { yield }").GroupExpectations[0];
        Assert.Equal([TaskStatus.RanToCompletion], e.Statuses);
        Assert.Empty(e.MayFailures);
        Assert.Equal([TaskEnd.RanToCompletion], Model("start { throw f1 }; spawn { yield }").TaskExpectations[2]);
    }

    [Fact]
    public void Expect_FailureAfterStarted_FailsTheGroup()
    {
        GroupExpectation e = Model("start { started; throw f1 }").GroupExpectations[0];
        Assert.Equal([TaskStatus.Faulted], e.Statuses);
        Assert.Equal([1], e.MustFailures);
    }

    [Fact]
    public void Expect_StartInCancelledGroup_ChildStillRuns() =>
        Assert.DoesNotContain(TaskEnd.NotRun, Model("cancel; start { started }").TaskExpectations[1]);

    [Fact]
    public void Expect_Deadline_MayTimeOutAndReachTheParentAsAFailure()
    {
        ProgramModel model = Model("group deadline { spawn { yield } }");
        GroupExpectation inner = model.GroupExpectations[1];
        Assert.True(inner.MayTimeOut);
        Assert.Contains(TaskStatus.RanToCompletion, inner.Statuses);
        Assert.Contains(TaskEnd.Canceled, model.TaskExpectations[2]); // the deadline may cancel the child
        Assert.Equal([ProgramModel.TimeoutFailure(model.Groups[1])], model.GroupExpectations[0].MayFailures);
        Assert.Contains(TaskEnd.Faulted, model.TaskExpectations[0]); // the body awaits the timed-out group
    }

    [Fact]
    public void Expect_DeadlineWithCertainFailure_NeverTimesOut() =>
        Assert.False(Model("group deadline { throw f1 }").GroupExpectations[1].MayTimeOut);

    [Fact]
    public void Expect_DeadlineWithCertainCallerCancel_NeverTimesOut() =>
        Assert.False(Model("group deadline { spawn { yield }; cancel-outer 1 }").GroupExpectations[1].MayTimeOut);

    [Fact]
    public void Expect_CancelAfter_MayCancelLaterStepsQuietlyButNeverTimesOut()
    {
        ProgramModel model = Model("group { spawn { yield }; cancel-after; spawn { yield } }");
        GroupExpectation inner = model.GroupExpectations[1];
        Assert.False(inner.MayTimeOut); // CancelAfter is move_on_after, not fail_after
        Assert.Equal([TaskStatus.RanToCompletion], inner.Statuses);
        Assert.Contains(TaskEnd.Canceled, model.TaskExpectations[3]); // spawned after the call: the clock may have fired
        Assert.True(TaskProgram.Parse("cancel-after").UsesClock);
    }

    [Fact]
    public void Expect_CancelAfter_CannotCancelWhatRanBeforeTheCall() =>
        Assert.Equal([TaskEnd.RanToCompletion], Model("yield; cancel-after").TaskExpectations[0]);

    [Fact]
    public void Expect_NoDeadline_NeverTimesOut() =>
        Assert.False(Model("group supervise { spawn { yield } }").GroupExpectations[1].MayTimeOut);

    [Fact]
    public void Expect_Limit_ChildSpawnedBeforeCancelMayStillNotStart()
    {
        // Queued behind the first child, the second may start only after the body's cancel.
        Assert.Contains(TaskEnd.NotRun, Model("group limit 1 { spawn { yield }; spawn { yield }; cancel }").TaskExpectations[3]);
        Assert.DoesNotContain(TaskEnd.NotRun, Model("group { spawn { yield }; spawn { yield }; cancel }").TaskExpectations[3]);
    }

    [Fact]
    public void Reasons_LaterReasonInTheSameTask_CannotBeFirst() =>
        Assert.Equal([1], Model("cancel-reason r1; cancel-reason r2").AllowedReasons[0]);

    [Fact]
    public void Reasons_ReasonAfterAPlainCancel_CannotBeFirst() =>
        Assert.Empty(Model("cancel; cancel-reason r1").AllowedReasons[0]);

    [Fact]
    public void Reasons_RacingTasks_EitherMayBeFirst() =>
        Assert.Equal([1, 2], Model("spawn { cancel-reason r1 }; cancel-reason r2").AllowedReasons[0].Order());

    [Fact]
    public void Expect_Shield_AlwaysRunsToItsEndUncancelled()
    {
        ProgramModel model = Model("cancel; shield { yield; wait-grace }");
        Assert.Equal([TaskEnd.RanToCompletion], model.TaskExpectations[1]);
        Assert.Equal([TaskStatus.RanToCompletion], model.GroupExpectations[0].Statuses);
    }

    [Fact]
    public void Expect_ShieldFails_GroupMustFault() =>
        Assert.Equal([1], Model("shield { throw f1 }").GroupExpectations[0].MustFailures);
}
