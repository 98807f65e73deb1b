using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit.Mutation;

/// <summary>
/// <see cref="TaskGroup.StartAsync{T}"/>'s handshake: the messages of the two misuses of
/// <c>started</c> (called twice; called after the child finished), and the outcome of a child that
/// ends before calling it (cancelled: the task is cancelled with the child's token; succeeded: an
/// <see cref="InvalidOperationException"/> saying so).
/// </summary>
public class StartHandshakeTests
{
    [Fact]
    public async Task StartAsync_StartedCalledTwice_ThrowsInTheChildSayingTwice()
    {
        InvalidOperationException? second = null;
        int value = 0;
        await TaskGroup.RunAsync(async g =>
        {
            value = await g.StartAsync<int>((started, _) =>
            {
                started(1);
                second = Assert.Throws<InvalidOperationException>(() => started(2));
                return Task.CompletedTask;
            });
        }).Guard();

        Assert.Equal(1, value);
        Assert.Equal("TaskGroup.StartAsync: started was called twice.", second!.Message);
    }

    [Fact]
    public async Task StartAsync_StartedCalledAfterTheChildFinished_ThrowsSayingSo()
    {
        Action<int>? kept = null;
        InvalidOperationException? early = null;
        await TaskGroup.RunAsync(async g =>
        {
            early = await Assert.ThrowsAsync<InvalidOperationException>(() => g.StartAsync<int>((started, _) =>
            {
                kept = started;
                return Task.CompletedTask; // finishes without calling started
            }));
        }).Guard();

        Assert.Equal("TaskGroup.StartAsync: the child finished without calling started.", early!.Message);
        InvalidOperationException late = Assert.Throws<InvalidOperationException>(() => kept!(1));
        Assert.Equal("TaskGroup.StartAsync: started was called after the child finished.", late.Message);
    }

    [Fact]
    public async Task StartAsync_ChildCancelledBeforeStarted_TaskIsCanceledWithTheChildsToken()
    {
        using var own = new CancellationTokenSource();
        own.Cancel();
        Task<int>? start = null;
        TaskGroup? group = null;
        await TaskGroup.RunAsync(g =>
        {
            group = g;
            start = g.StartAsync<int>((_, _) => Task.FromCanceled(own.Token));
            return Task.CompletedTask;
        }).Guard();

        OperationCanceledException oce = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => start!.Guard());
        Assert.True(start!.IsCanceled);
        Assert.Equal(own.Token, oce.CancellationToken);
        Assert.False(group!.IsCancellationRequested); // the outcome belonged to StartAsync, not to the group
    }

    [Fact]
    public async Task StartAsync_ChildCancelledAsynchronouslyBeforeStarted_TaskIsCanceledWithTheChildsToken()
    {
        using var own = new CancellationTokenSource();
        var child = new TaskCompletionSource();
        Task<int>? start = null;
        Task run = TaskGroup.RunAsync(g =>
        {
            start = g.StartAsync<int>((_, _) => child.Task);
            return Task.CompletedTask;
        });

        own.Cancel();
        child.SetCanceled(own.Token);
        OperationCanceledException oce = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => start!.Guard());
        Assert.Equal(own.Token, oce.CancellationToken);
        await AssertSucceeded(run);
    }
}
