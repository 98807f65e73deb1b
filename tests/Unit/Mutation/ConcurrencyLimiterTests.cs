using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit.Mutation;

/// <summary>
/// The slot accounting behind <see cref="TaskGroupOptions.MaxConcurrency"/>: a slot freed with
/// nobody waiting is free for a later spawn, a slot freed while another thread starts queued children
/// is passed on by that thread (never used by the freeing thread itself), and the running count
/// never exceeds the limit nor stays below it while children wait.
/// </summary>
/// <remarks>The children return plain <see cref="TaskCompletionSource"/> tasks (no asynchronous
/// continuations): completing one runs the group's bookkeeping inline, so each step is deterministic
/// and checked right after the call that triggers it.</remarks>
public class ConcurrencyLimiterTests
{
    private static TaskGroupOptions Limit(int limit) => new() { MaxConcurrency = limit };

    [Fact]
    public async Task Limit_ChildFinishedWithNobodyQueued_NextSpawnStartsAtOnce()
    {
        bool startedInSpawn = false;
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(_ => Task.CompletedTask); // takes the only slot and frees it at once
            _ = g.Spawn(_ =>
            {
                startedInSpawn = true;
                return Task.CompletedTask;
            });
            return Task.CompletedTask;
        }, Limit(1));

        Assert.True(startedInSpawn, "The freed slot was not free for the next spawn.");
        await AssertSucceeded(run);
    }

    [Fact]
    public async Task Limit_DrainEndsWithAnUnusedSlot_SlotIsFreeForALaterSpawn()
    {
        var holder = new TaskCompletionSource();
        var body = new TaskCompletionSource();
        TaskGroup? group = null;
        Task run = TaskGroup.RunAsync(g =>
        {
            group = g;
            _ = g.Spawn(_ => holder.Task);
            _ = g.Spawn(_ => Task.CompletedTask); // queued; finishes as soon as it starts
            return body.Task;
        }, Limit(1));

        Inline.Run(() => holder.SetResult()); // the queued child runs and finishes: its slot is left over, then freed
        bool late = false;
        _ = group!.Spawn(_ =>
        {
            late = true;
            return Task.CompletedTask;
        });
        Assert.True(late, "The slot left over by the drain was not freed.");
        body.SetResult();
        await AssertSucceeded(run);
    }

    /// <summary>Limit 2: A and B run, C, D and E wait. A finishing starts C; C's synchronous part
    /// finishes B, whose slot is handed to the thread already starting children.</summary>
    private sealed class HandOver
    {
        public readonly TaskCompletionSource A = new(), B = new(), C = new(), D = new();
        public readonly List<string> Log = [];
        public Task Run = Task.CompletedTask;

        public HandOver()
        {
            Run = TaskGroup.RunAsync(g =>
            {
                _ = g.Spawn(_ => A.Task);
                _ = g.Spawn(_ => B.Task);
                _ = g.Spawn(_ =>
                {
                    Log.Add("C started");
                    B.SetResult(); // B's slot frees while C is being started
                    Log.Add("C freed B's slot");
                    return C.Task;
                });
                _ = g.Spawn(_ =>
                {
                    Log.Add("D started");
                    return D.Task;
                });
                _ = g.Spawn(_ =>
                {
                    Log.Add("E started");
                    return Task.CompletedTask;
                });
                return Task.CompletedTask;
            }, Limit(2));
        }

        public async Task Finish()
        {
            Inline.Run(C.SetResult);
            Inline.Run(D.SetResult);
            await AssertSucceeded(Run);
            Assert.Equal(["C started", "C freed B's slot", "D started", "E started"], Log);
        }
    }

    [Fact]
    public async Task Limit_SlotFreedWhileQueuedChildrenStart_IsPassedToTheNextQueuedChild()
    {
        var test = new HandOver();
        Inline.Run(() => test.A.SetResult());

        // B's slot went to D: two children (C and D) run again, E still waits.
        Assert.Contains("D started", test.Log);
        Assert.DoesNotContain("E started", test.Log);
        await test.Finish();
    }

    [Fact]
    public async Task Limit_SlotFreedWhileQueuedChildrenStart_FreeingThreadDoesNotStartAChildItself()
    {
        var test = new HandOver();
        Inline.Run(() => test.A.SetResult());

        // Only the thread already starting children starts them, one after the other: D starts
        // once C's start returned, not from inside C (where B's slot was freed).
        Assert.Equal(["C started", "C freed B's slot", "D started"], test.Log);
        await test.Finish();
    }

    [Fact]
    public async Task Limit_QueuedChildUsesTheFreedSlot_NoSecondChildGetsIn()
    {
        var holder = new TaskCompletionSource();
        var third = new TaskCompletionSource();
        var log = new List<string>();
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(_ => holder.Task);
            _ = g.Spawn(_ => { log.Add("B"); return Task.CompletedTask; }); // finishes at once: its slot goes on to C
            _ = g.Spawn(_ => { log.Add("C"); return third.Task; });
            _ = g.Spawn(_ => { log.Add("D"); return Task.CompletedTask; });
            return Task.CompletedTask;
        }, Limit(1));

        Inline.Run(() => holder.SetResult());
        Assert.Equal(["B", "C"], log); // C holds the only slot: D waits
        Inline.Run(() => third.SetResult());
        Assert.Equal(["B", "C", "D"], log);
        await AssertSucceeded(run);
    }

    [Fact]
    public async Task Limit_SecondRoundOfQueuedChildren_StartsWhenTheSlotFreesAgain()
    {
        var holder = new TaskCompletionSource();
        var second = new TaskCompletionSource();
        bool thirdStarted = false;
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(_ => holder.Task);
            _ = g.Spawn(_ => second.Task);
            _ = g.Spawn(_ => { thirdStarted = true; return Task.CompletedTask; });
            return Task.CompletedTask;
        }, Limit(1));

        Inline.Run(() => holder.SetResult()); // first round: starts the second child
        Assert.False(thirdStarted);
        Inline.Run(() => second.SetResult()); // second round: starts the third
        Assert.True(thirdStarted, "The queued child did not start when the slot freed a second time.");
        await AssertSucceeded(run);
    }
}
