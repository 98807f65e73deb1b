using TaskGroups.Harness.Programs;
using Xunit;

namespace TaskGroups.Properties.Programs;

/// <summary>The reference model on hand-checked programs: what it requires, and what it allows.</summary>
public sealed class ProgramModelTests
{
    private static GroupExpectation Outer(string program) => ProgramModel.Of(TaskProgram.Parse(program)).GroupExpectations[0];

    [Fact]
    public void Expect_ChildThrows_MustFaultWithThatFailure()
    {
        GroupExpectation e = Outer("spawn { throw f1 }");
        Assert.Equal([TaskStatus.Faulted], e.Statuses);
        Assert.Equal([1], e.MustFailures);
    }

    [Fact]
    public void Expect_ChildCancelsGroup_MustRunToCompletion()
    {
        GroupExpectation e = Outer("spawn { cancel }; spawn { yield; yield }");
        Assert.Equal([TaskStatus.RanToCompletion], e.Statuses);
    }

    [Fact]
    public void Expect_CallerCancelled_MustEndCanceled()
    {
        Assert.Equal([TaskStatus.Canceled], Outer("spawn { yield }; cancel-caller").Statuses);
    }

    [Fact]
    public void Expect_FailureAfterCancellationPoint_MayOrMayNotHappen()
    {
        GroupExpectation e = Outer("spawn { cancel }; spawn { yield; throw f1 }");
        Assert.Equal([TaskStatus.RanToCompletion, TaskStatus.Faulted], e.Statuses.Order());
        Assert.Empty(e.MustFailures);
        Assert.Equal([1], e.MayFailures);
    }

    [Fact]
    public void Expect_CleanupThrowsAfterCancel_MustFault()
    {
        GroupExpectation e = Outer("spawn { throw-in-cleanup f1 }; spawn { cancel }");
        Assert.Equal([TaskStatus.Faulted], e.Statuses);
        Assert.Equal([1], e.MustFailures);
    }

    [Fact]
    public void Expect_NestedGroupCancelsOuter_NestedNeverRunsToCompletion()
    {
        var model = ProgramModel.Of(TaskProgram.Parse("spawn { group { spawn { cancel-outer 1 }; spawn { yield } } }"));
        Assert.Equal([TaskStatus.Canceled], model.GroupExpectations[1].Statuses);
        Assert.Equal([TaskStatus.RanToCompletion], model.GroupExpectations[0].Statuses);
        Assert.Equal([TaskEnd.Canceled], model.TaskExpectations[1]); // the child that ran the nested group
    }

    [Fact]
    public void Expect_NestedGroupCancelsItself_OuterUntouched()
    {
        var model = ProgramModel.Of(TaskProgram.Parse("spawn { group { spawn { cancel } }; yield }"));
        Assert.Equal([TaskStatus.RanToCompletion], model.GroupExpectations[1].Statuses);
        Assert.Equal([TaskEnd.RanToCompletion], model.TaskExpectations[1]);
    }

    [Fact]
    public void Expect_SpawnAfterCancel_ChildMayNotStart()
    {
        var model = ProgramModel.Of(TaskProgram.Parse("cancel; spawn { throw f1 }"));
        Assert.Contains(TaskEnd.NotRun, model.TaskExpectations[1]);
        Assert.Empty(model.GroupExpectations[0].MustFailures);
    }
}
