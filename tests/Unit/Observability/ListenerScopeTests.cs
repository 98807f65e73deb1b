using System.Collections.Concurrent;

namespace TaskGroups.Unit.Observability;

/// <summary>
/// Which listener a group reports to: the innermost open <see cref="TaskGroupDiagnostics.Listen"/>
/// scope of its own flow — also for a flow forked inside a scope, and never decided by scopes that
/// other flows hold open.
/// </summary>
public class ListenerScopeTests
{
    private sealed class Counter : ITaskGroupListener
    {
        public ConcurrentQueue<long> Opened { get; } = new();

        public void OnEvent(in TaskGroupEvent e)
        {
            if (e.Kind == TaskGroupEventKind.GroupOpened)
            {
                Opened.Enqueue(e.GroupId);
            }
        }
    }

    [Fact]
    public async Task ForkedFlow_AfterItsScopeWasDisposed_DoesNotReportThere_EvenWhileAnotherFlowListens()
    {
        var mine = new Counter();
        var other = new Counter();
        var otherOpen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var otherMayClose = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Another flow keeps a scope open throughout, so listeners are counted as attached somewhere.
        Task otherFlow = Task.Run(async () =>
        {
            using (TaskGroupDiagnostics.Listen(other))
            {
                otherOpen.SetResult();
                await otherMayClose.Task;
            }
        });
        await otherOpen.Task;

        var scopeClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task forked;
        using (TaskGroupDiagnostics.Listen(mine))
        {
            forked = Task.Run(async () =>
            {
                await TaskGroup.RunAsync(_ => Task.CompletedTask); // while the scope is open: reported
                await scopeClosed.Task;
                await TaskGroup.RunAsync(_ => Task.CompletedTask); // after it was disposed: not reported
            });
            while (mine.Opened.IsEmpty)
            {
                await Task.Yield();
            }
        }

        scopeClosed.SetResult();
        await forked;
        otherMayClose.SetResult();
        await otherFlow;

        Assert.Single(mine.Opened);
        Assert.Empty(other.Opened);
    }

    [Fact]
    public async Task NestedScope_Disposed_RestoresTheOuterListener_ForkedFlowsToo()
    {
        var outer = new Counter();
        var inner = new Counter();
        var innerClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task forked;
        using (TaskGroupDiagnostics.Listen(outer))
        {
            using (TaskGroupDiagnostics.Listen(inner))
            {
                forked = Task.Run(async () =>
                {
                    await innerClosed.Task;
                    await TaskGroup.RunAsync(_ => Task.CompletedTask); // inner disposed, outer open: outer
                });
            }

            innerClosed.SetResult();
            await forked;
            await TaskGroup.RunAsync(_ => Task.CompletedTask); // on the disposing flow: outer
        }

        await TaskGroup.RunAsync(_ => Task.CompletedTask); // no scope: nobody
        Assert.Equal(2, outer.Opened.Count);
        Assert.Empty(inner.Opened);
    }
}
