using System.Runtime.CompilerServices;
using Microsoft.Coyote.Specifications;
using TaskGroups.Verification;
using TaskGroups.Verification.Engine;
using Verifier = TaskGroups.Verification.Systematic; // this project's namespace is TaskGroups.Systematic
using Xunit;

namespace TaskGroups.Systematic.HotPath;

/// <summary>
/// The paths the performance work touches (how a child's completion is observed without throwing,
/// the cancel fan-out, fail-fast, foreign cancellations) must stay fully controlled by Coyote:
/// each scenario is explored in strict mode, where an uncontrolled invocation is a bug, and checks
/// the outcome the contract demands (invariants 1, 2, 3, 5, 6 and 10).
/// </summary>
public class HotPathControlTests
{
    /// <summary>Through <see cref="Verifier.Verify"/>, like every systematic test: strict mode and the checker on.</summary>
    private static void AssertClean(Func<Task> test, int iterations = 200, [CallerMemberName] string testName = "", [CallerFilePath] string file = "") =>
        Verifier.Verify(test, new SystematicOptions { Schedules = Schedules.Count(iterations), Seed = 7, Parallelism = 1 }, testName, file);

    /// <summary>Blocked until <paramref name="ct"/> is cancelled (Task.Delay does not wake under Coyote).</summary>
    private static Task Blocked(CancellationToken ct)
    {
        var tcs = new TaskCompletionSource();
        ct.Register(() => tcs.TrySetCanceled(ct));
        return tcs.Task;
    }

    [Fact]
    public void CancelFanOut_BlockedChildren_GroupSucceedsAndEveryChildIsCanceled() => AssertClean(async () =>
    {
        var children = new List<Task>();
        TaskGroup? seen = null;
        await TaskGroup.RunAsync(async group =>
        {
            seen = group;
            for (int i = 0; i < 3; i++)
            {
                children.Add(group.Spawn(Blocked));
            }

            await Task.Yield();
            group.Cancel();
        });
        Specification.Assert(children.TrueForAll(c => c.IsCanceled), "invariant 1/2: a child did not end Canceled");
        Specification.Assert(seen!.CancellationCaught, "the group's own cancellation was not caught");
    });

    [Fact]
    public void CancelFanOut_CancelFromChild_GroupSucceeds() => AssertClean(async () =>
    {
        await TaskGroup.RunAsync(group =>
        {
            group.Spawn(Blocked);
            group.Spawn(async ct =>
            {
                await Task.Yield();
                group.Cancel();
            });
            group.Spawn(Blocked);
            return Task.CompletedTask;
        });
    });

    [Fact]
    public void FailureFanOut_OneChildFails_ExactlyThatFailureIsReported() => AssertClean(async () =>
    {
        var children = new List<Task>();
        Task run = TaskGroup.RunAsync(group =>
        {
            children.Add(group.Spawn(Blocked));
            children.Add(group.Spawn(async ct =>
            {
                await Task.Yield();
                throw new InvalidOperationException("boom");
            }));
            children.Add(group.Spawn(Blocked));
            return Task.CompletedTask;
        });
        try
        {
            await run;
        }
        catch (TaskGroupException)
        {
        }

        Specification.Assert(run.IsFaulted, "invariant 5/6: the group did not fault");
        Specification.Assert(run.Exception!.InnerException is TaskGroupException { InnerExceptions.Count: 1 } tge
            && tge.InnerExceptions[0] is InvalidOperationException, "invariant 5: wrong failures");
        Specification.Assert(children[0].IsCanceled && children[2].IsCanceled, "invariant 6: a sibling was not cancelled");
    });

    [Fact]
    public void ForeignCancellation_ChildCanceledByPrivateToken_IsAFailure() => AssertClean(async () =>
    {
        using var privateSource = new CancellationTokenSource();
        Task run = TaskGroup.RunAsync(group =>
        {
            group.Spawn(Blocked);
            group.Spawn(async ct =>
            {
                await Task.Yield();
                privateSource.Cancel();
                privateSource.Token.ThrowIfCancellationRequested();
            });
            group.Spawn(_ => Blocked(privateSource.Token)); // Canceled with a token that is not the group's.
            return Task.CompletedTask;
        });
        try
        {
            await run;
        }
        catch (TaskGroupException)
        {
        }

        Specification.Assert(run.IsFaulted, "invariant 5: a cancellation observed while the group's token was not cancelled was swallowed");
        var failures = ((TaskGroupException)run.Exception!.InnerException!).InnerExceptions;

        // Own-signal rule, second revision: the first private cancellation the group observes is a
        // failure; the other child's may be observed after that failure cancelled the group, and is
        // then the group's own signal.
        Specification.Assert(failures.Count is 1 or 2 && failures.All(f => f is OperationCanceledException),
            $"invariant 5: expected one or two private cancellations, got {failures.Count}");
    });

    [Fact]
    public void CallerCancellation_WhileChildrenBlocked_GroupEndsCanceled() => AssertClean(async () =>
    {
        using var caller = new CancellationTokenSource();
        Task run = TaskGroup.RunAsync(group =>
        {
            group.Spawn(Blocked);
            group.Spawn(async ct =>
            {
                await Task.Yield();
                group.Cancel();
            });
            group.Spawn(Blocked);
            return Task.CompletedTask;
        }, caller.Token);
        await Task.Yield();
        caller.Cancel();
        try
        {
            await run;
        }
        catch (OperationCanceledException)
        {
        }

        // Either the group finished before the caller cancelled (success), or it ends Canceled with
        // the caller's token (invariant 3); it never faults.
        Specification.Assert(!run.IsFaulted, "a cancellation became a failure");
        Specification.Assert(run.IsCompletedSuccessfully || run.IsCanceled, "unexpected outcome");
    });

    [Fact]
    public void NestedGroups_InnerChildrenYield_AllComplete() => AssertClean(async () =>
    {
        int done = 0;
        await TaskGroup.RunAsync(outer =>
        {
            for (int i = 0; i < 2; i++)
            {
                outer.Spawn(ct => TaskGroup.RunAsync(inner =>
                {
                    inner.Spawn(async _ =>
                    {
                        await Task.Yield();
                        Interlocked.Increment(ref done);
                    });
                    return Task.CompletedTask;
                }, ct));
            }

            return Task.CompletedTask;
        });
        Specification.Assert(done == 2, "invariant 1: the group completed before its children");
    });
}
