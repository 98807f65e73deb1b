using System.Collections.Concurrent;
using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit.Observability;

/// <summary>
/// The diagnostics events that let a listener check invariants 7 and 8 itself: <c>CancelReturned</c>
/// as <see cref="TaskGroup.Cancel()"/> returns, <c>SpawnRejected</c> for a spawn on a completed group,
/// and the group's tokens and run task carried on every event, so that a checker reads their state
/// itself instead of trusting the group's flags.
/// </summary>
public class CallEventTests
{
    /// <summary>Records every event with the token state the listener read itself at that moment.</summary>
    private sealed class Recorder : ITaskGroupListener
    {
        public ConcurrentQueue<(TaskGroupEvent Event, bool TokenCancelledNow)> Events { get; } = new();

        public void OnEvent(in TaskGroupEvent e) => Events.Enqueue((e, e.Token.IsCancellationRequested));

        public (TaskGroupEvent Event, bool TokenCancelledNow)[] Of(TaskGroupEventKind kind) =>
            [.. Events.Where(x => x.Event.Kind == kind)];
    }

    private sealed class ThrowOn(TaskGroupEventKind kind) : ITaskGroupListener
    {
        public void OnEvent(in TaskGroupEvent e)
        {
            if (e.Kind == kind)
            {
                throw new InvalidTimeZoneException($"listener failed on {kind}");
            }
        }
    }

    [Fact]
    public async Task Cancel_WhileRunning_RaisesCancelReturnedWithTheTokenAlreadyCancelled()
    {
        var recorder = new Recorder();
        TaskGroup? group = null;
        using (TaskGroupDiagnostics.Listen(recorder))
        {
            await TaskGroup.RunAsync(g =>
            {
                group = g;
                _ = g.Spawn(Forever);
                g.Cancel();
                g.Cancel(); // idempotent: raised once per call
                return Task.CompletedTask;
            }).Guard();
        }

        var returned = recorder.Of(TaskGroupEventKind.CancelReturned);
        Assert.Equal(2, returned.Length);
        Assert.All(returned, r =>
        {
            Assert.True(r.TokenCancelledNow);
            Assert.Equal(group!.Token, r.Event.Token);
            Assert.Equal(group.Id, r.Event.GroupId);
        });

        // Raised after CancelRequested (the token is cancelled first) and before the group completed.
        TaskGroupEventKind[] order = [.. recorder.Events.Select(x => x.Event.Kind)];
        Assert.True(Array.IndexOf(order, TaskGroupEventKind.CancelRequested) < Array.IndexOf(order, TaskGroupEventKind.CancelReturned));
        Assert.True(Array.LastIndexOf(order, TaskGroupEventKind.CancelReturned) < Array.IndexOf(order, TaskGroupEventKind.GroupCompleted));
    }

    [Fact]
    public async Task Cancel_AfterCompletion_IsANoOpAndRaisesNothing()
    {
        var recorder = new Recorder();
        TaskGroup? group = null;
        using (TaskGroupDiagnostics.Listen(recorder))
        {
            await TaskGroup.RunAsync(g => { group = g; return Task.CompletedTask; }).Guard();
        }

        int before = recorder.Events.Count;
        group!.Cancel();
        Assert.False(group.Token.IsCancellationRequested);
        Assert.Equal(before, recorder.Events.Count);
    }

    [Fact]
    public async Task Spawn_AfterCompletion_RaisesSpawnRejectedThenThrowsAndNeverRuns()
    {
        var recorder = new Recorder();
        TaskGroup? group = null;
        using (TaskGroupDiagnostics.Listen(recorder))
        {
            await TaskGroup.RunAsync(g => { group = g; return Task.CompletedTask; }).Guard();
        }

        bool ran = false;
        Assert.Throws<InvalidOperationException>(() => { _ = group!.Spawn(_ => { ran = true; return Task.CompletedTask; }); });
        Assert.False(ran);
        var rejected = Assert.Single(recorder.Of(TaskGroupEventKind.SpawnRejected));
        Assert.Equal(group!.Id, rejected.Event.GroupId);
        Assert.True(rejected.Event.Completion!.IsCompleted);
        Assert.Empty(recorder.Of(TaskGroupEventKind.ChildSpawned));
    }

    [Fact]
    public async Task Listener_ThrowsOnSpawnRejected_SpawnStillThrowsInvalidOperation()
    {
        TaskGroup? group = null;
        using (TaskGroupDiagnostics.Listen(new ThrowOn(TaskGroupEventKind.SpawnRejected)))
        {
            await TaskGroup.RunAsync(g => { group = g; return Task.CompletedTask; }).Guard();
        }

        Assert.Throws<InvalidOperationException>(() => { _ = group!.Spawn(_ => Task.CompletedTask); });
    }

    [Fact]
    public async Task Listener_ThrowsOnCancelReturned_CancelDoesNotThrowAndTheGroupFaultsWithIt()
    {
        Task run;
        using (TaskGroupDiagnostics.Listen(new ThrowOn(TaskGroupEventKind.CancelReturned)))
        {
            run = TaskGroup.RunAsync(g =>
            {
                _ = g.Spawn(Forever);
                g.Cancel(); // must not throw the listener's exception
                return Task.CompletedTask;
            });
        }

        TaskGroupException ex = await AssertFaulted(run);
        Assert.IsType<InvalidTimeZoneException>(Assert.Single(ex.InnerExceptions));
    }

    [Fact]
    public async Task Events_CarryTheCallerTokenTheGroupTokenAndTheRunTask()
    {
        var recorder = new Recorder();
        using var caller = new CancellationTokenSource();
        Task run;
        TaskGroup? group = null;
        using (TaskGroupDiagnostics.Listen(recorder))
        {
            run = TaskGroup.RunAsync(g => { group = g; return Task.CompletedTask; }, caller.Token);
        }

        await run.Guard();
        Assert.All(recorder.Events, x =>
        {
            Assert.Equal(caller.Token, x.Event.CallerToken);
            Assert.Equal(group!.Token, x.Event.Token);
            Assert.Same(run, x.Event.Completion);
        });
    }

    [Fact]
    public async Task GroupOpened_CarriesTheGroupsOptions_OtherEventsCarryNone()
    {
        var recorder = new Recorder();
        var options = new TaskGroupOptions { FailFast = false, MaxConcurrency = 2, Timeout = TimeSpan.FromHours(1) };
        using (TaskGroupDiagnostics.Listen(recorder))
        {
            await TaskGroup.RunAsync(g =>
            {
                _ = g.Spawn(_ => Task.CompletedTask);
                return Task.CompletedTask;
            }, options).Guard();
            await TaskGroup.RunAsync(_ => Task.CompletedTask).Guard();
        }

        var opened = recorder.Of(TaskGroupEventKind.GroupOpened);
        Assert.Equal(2, opened.Length);
        Assert.Same(options, opened[0].Event.Options);
        Assert.NotNull(opened[1].Event.Options);
        Assert.True(opened[1].Event.Options!.FailFast);
        Assert.Null(opened[1].Event.Options!.MaxConcurrency);
        Assert.All(recorder.Events.Where(x => x.Event.Kind != TaskGroupEventKind.GroupOpened), x => Assert.Null(x.Event.Options));
    }
}
