using System.Runtime.CompilerServices;

namespace TaskGroups.Unit.Mutation;

/// <summary>
/// Invariant 1 for children queued under <see cref="TaskGroupOptions.MaxConcurrency"/>: the task
/// <see cref="TaskGroup.Spawn(Func{CancellationToken, Task})"/> returned for a queued child (its proxy)
/// takes the child's failure, and the group reports that failure, so a proxy nobody awaits must never
/// raise <see cref="TaskScheduler.UnobservedTaskException"/> when it is collected.
/// </summary>
[Collection(nameof(ProcessWideCollection))] // the event is process-wide
public class QueuedChildTests
{
    private const string Tag = "queued-unobserved";

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task RunGroupsWithFailingQueuedChildren(bool withResult)
    {
        for (int i = 0; i < 20; i++)
        {
            var holder = new TaskCompletionSource();
            try
            {
                await TaskGroup.RunAsync(g =>
                {
                    _ = g.Spawn(_ => holder.Task); // holds the only slot: the others queue
                    for (int j = 0; j < 5; j++)
                    {
                        if (withResult)
                        {
                            _ = g.Spawn<int>(_ => Task.FromException<int>(new TestFailureException(Tag)));
                        }
                        else
                        {
                            _ = g.Spawn(_ => Task.FromException(new TestFailureException(Tag)));
                        }
                    }

                    holder.SetResult();
                    return Task.CompletedTask;
                }, new TaskGroupOptions { MaxConcurrency = 1, FailFast = false });
            }
            catch (TaskGroupException)
            {
            }
        }
    }

    private static async Task AssertNoUnobservedFailure(bool withResult)
    {
        int seen = 0;
        void Handler(object? sender, UnobservedTaskExceptionEventArgs e)
        {
            if (e.Exception.Flatten().InnerExceptions.Any(ex => ex is TestFailureException { Tag: Tag }))
            {
                Interlocked.Increment(ref seen);
            }
        }

        TaskScheduler.UnobservedTaskException += Handler;
        try
        {
            await RunGroupsWithFailingQueuedChildren(withResult).WaitAsync(TestSupport.Timeout);
            for (int i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }

            Assert.Equal(0, Volatile.Read(ref seen));
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= Handler;
        }
    }

    [Fact]
    public Task Limit_QueuedChildFailsAndItsTaskIsNeverAwaited_NoUnobservedTaskException() =>
        AssertNoUnobservedFailure(withResult: false);

    [Fact]
    public Task Limit_QueuedChildWithResultFailsAndItsTaskIsNeverAwaited_NoUnobservedTaskException() =>
        AssertNoUnobservedFailure(withResult: true);
}
