using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit.CoreV2;

/// <summary>A diagnostics listener that throws never crashes the process, never hangs or corrupts
/// the group, and its exception is never lost: it becomes a failure of the group.</summary>
public class ListenerRobustnessTests
{
    private sealed class ThrowingListener(TaskGroupEventKind? on) : ITaskGroupListener
    {
        public int Thrown;

        public void OnEvent(in TaskGroupEvent e)
        {
            if (on is null || e.Kind == on)
            {
                Interlocked.Increment(ref Thrown);
                throw new ListenerFailureException(e.Kind);
            }
        }
    }

    public sealed class ListenerFailureException(TaskGroupEventKind kind) : Exception($"listener failed on {kind}")
    {
        public TaskGroupEventKind Kind { get; } = kind;
    }

    public static TheoryData<TaskGroupEventKind> EventKinds()
    {
        var data = new TheoryData<TaskGroupEventKind>();
        foreach (TaskGroupEventKind kind in Enum.GetValues<TaskGroupEventKind>())
        {
            // CancelReturned and SpawnRejected report the caller's calls, not the group's lifecycle (a
            // program without Cancel() raises no CancelReturned; a late SpawnRejected has no group left
            // to fail): Observability/CallEventTests covers a listener throwing on them.
            if (kind is not (TaskGroupEventKind.CancelReturned or TaskGroupEventKind.SpawnRejected))
            {
                data.Add(kind);
            }
        }

        return data;
    }

    /// <summary>A program that raises every event kind: spawns, a failure, a cancellation.</summary>
    private static Task Program(TaskGroup g, List<Task> children)
    {
        children.Add(g.Spawn(ct => Forever(ct)));
        children.Add(g.Spawn(async _ => { await Task.Yield(); throw Boom("child"); }));
        return Task.CompletedTask;
    }

    [Theory]
    [MemberData(nameof(EventKinds))]
    public async Task Listener_ThrowsOnEventKind_GroupCompletesAndExceptionIsReported(TaskGroupEventKind kind)
    {
        var listener = new ThrowingListener(kind);
        var children = new List<Task>();
        Task run;
        using (TaskGroupDiagnostics.Listen(listener))
        {
            run = TaskGroup.RunAsync(g => Program(g, children));
        }

        TaskGroupException ex = await AssertFaulted(run);
        Assert.True(listener.Thrown > 0, $"the program raised no {kind} event");
        Assert.Contains(ex.InnerExceptions, e => e is ListenerFailureException f && f.Kind == kind);
        Assert.Contains(ex.InnerExceptions, e => e is TestFailureException);
        Assert.All(children, c => Assert.True(c.IsCompleted));
    }

    [Theory]
    [MemberData(nameof(EventKinds))]
    public async Task Listener_ThrowsOnEventKindOfSuccessfulGroup_GroupFaultsWithTheListenerException(TaskGroupEventKind kind)
    {
        if (kind is TaskGroupEventKind.ChildFailed or TaskGroupEventKind.CancelRequested)
        {
            return; // a successful group without Cancel() raises neither (covered above)
        }

        var listener = new ThrowingListener(kind);
        Task run;
        using (TaskGroupDiagnostics.Listen(listener))
        {
            run = TaskGroup.RunAsync(g =>
            {
                _ = g.Spawn(async _ => await Task.Yield());
                return Task.CompletedTask;
            });
        }

        TaskGroupException ex = await AssertFaulted(run);
        var failure = Assert.IsType<ListenerFailureException>(ex.InnerExceptions[0]);
        Assert.Equal(kind, failure.Kind);
    }

    [Fact]
    public async Task Listener_ThrowsOnEveryEvent_SpawnNeverThrowsAndGroupCompletes()
    {
        var listener = new ThrowingListener(null);
        Task run;
        using (TaskGroupDiagnostics.Listen(listener))
        {
            run = TaskGroup.RunAsync(async g =>
            {
                for (int i = 0; i < 100; i++)
                {
                    _ = g.Spawn(async ct => { await Task.Yield(); await Forever(ct); });
                }

                await Task.Yield();
                g.Cancel();
            });
        }

        TaskGroupException ex = await AssertFaulted(run);
        Assert.All(ex.InnerExceptions, e => Assert.IsType<ListenerFailureException>(e));
        Assert.True(listener.Thrown >= 200);
    }

    [Fact]
    public async Task Listener_ThrowsInNestedGroup_OuterSeesNestedFailure()
    {
        var listener = new ThrowingListener(TaskGroupEventKind.GroupOpened);
        Task run;
        using (TaskGroupDiagnostics.Listen(listener))
        {
            run = TaskGroup.RunAsync(g => { _ = g.Spawn(_ => TaskGroup.RunAsync(_ => Task.CompletedTask)); return Task.CompletedTask; });
        }

        TaskGroupException ex = await AssertFaulted(run);
        Assert.Contains(ex.InnerExceptions, e => e is ListenerFailureException);
        Assert.Contains(ex.InnerExceptions, e => e is TaskGroupException nested && nested.InnerExceptions.Single() is ListenerFailureException);
    }
}
