using TaskGroups.Verification;
using Xunit;

namespace TaskGroups.Systematic.Harness;

/// <summary>
/// The checker must not certify what the group says about itself (issue 12: the excuse "decided
/// before the caller cancelled" read the caller-token flag from the group's own completion event, and
/// a group that ignored the caller's cancellation after Cancel() reported that flag as false).
/// </summary>
public sealed class IndependentOracleTests
{
    private const long Group = 42;

    [Fact]
    public void RunCompleted_CallerCancelledWhileCodeRan_SuccessIsAViolationWhateverTheEventSays()
    {
        var checker = new InvariantChecker();
        using var caller = new CancellationTokenSource();
        caller.Cancel();

        // The group claims it decided success with its caller's token uncancelled.
        checker.OnEvent(new TaskGroupEvent(TaskGroupEventKind.GroupOpened, Group, 0, 0, default, default, null, tokenCancelled: false, callerTokenCancelled: false));
        checker.OnEvent(new TaskGroupEvent(TaskGroupEventKind.GroupCompleted, Group, 0, 0, TaskStatus.RanToCompletion, default, null, tokenCancelled: true, callerTokenCancelled: false));
        checker.RunCompleted(Group, Task.CompletedTask, [], caller.Token, callerCancelledWhileRunning: true, unfinishedChildren: 0,
            new RunFacts([], CallerCancelledWhileCodeRan: true, CancellationCaught: null, TokenCancelled: true));

        InvariantViolation v = Assert.Single(checker.Violations);
        Assert.Equal(3, v.Number);
        Assert.Contains("while its tasks were still running", v.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void RunCompleted_CallerCancelledAfterTheTasksEnded_TheEventsExcuseStillHolds()
    {
        var checker = new InvariantChecker();
        using var caller = new CancellationTokenSource();
        checker.OnEvent(new TaskGroupEvent(TaskGroupEventKind.GroupOpened, Group, 0, 0, default, default, null, tokenCancelled: false, callerTokenCancelled: false));
        checker.OnEvent(new TaskGroupEvent(TaskGroupEventKind.GroupCompleted, Group, 0, 0, TaskStatus.RanToCompletion, default, null, tokenCancelled: false, callerTokenCancelled: false));
        caller.Cancel(); // between the decision and the task's completion: linearised after the decision
        checker.RunCompleted(Group, Task.CompletedTask, [], caller.Token, callerCancelledWhileRunning: true, unfinishedChildren: 0,
            new RunFacts([], CallerCancelledWhileCodeRan: false, CancellationCaught: false, TokenCancelled: false));

        Assert.Empty(checker.Violations);
    }

    [Theory]
    [InlineData(TaskStatus.RanToCompletion, true, false)]  // cancelled itself, ended quietly, but says it did not
    [InlineData(TaskStatus.Canceled, false, true)]         // the caller ended it, but it says it caught its own cancel
    public void RunCompleted_CancellationCaughtDisagreesWithTheOutcome_IsAViolation(TaskStatus status, bool tokenCancelled, bool reported)
    {
        var checker = new InvariantChecker();
        using var caller = new CancellationTokenSource();
        Task run;
        if (status == TaskStatus.Canceled)
        {
            caller.Cancel();
            run = Task.FromCanceled(caller.Token);
        }
        else
        {
            run = Task.CompletedTask;
        }

        checker.RunCompleted(Group, run, [], caller.Token, callerCancelledWhileRunning: status == TaskStatus.Canceled, unfinishedChildren: 0,
            new RunFacts([], CallerCancelledWhileCodeRan: status == TaskStatus.Canceled, CancellationCaught: reported, TokenCancelled: tokenCancelled || status == TaskStatus.Canceled));

        InvariantViolation v = Assert.Single(checker.Violations);
        Assert.Contains("CancellationCaught", v.Detail, StringComparison.Ordinal);
    }
}
