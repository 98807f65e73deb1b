namespace TaskGroups.Unit.Mutation;

/// <summary>A child delegate that throws <see cref="OperationCanceledException"/> synchronously ends
/// Canceled and keeps that very exception, as an <c>async</c> method would (README), with or without a result.</summary>
public class CompletedTests
{
    [Fact]
    public async Task SpawnWithResult_SynchronousOperationCanceled_ChildIsCanceledWithThatException()
    {
        OperationCanceledException? thrown = null;
        Task<int>? child = null;
        await TaskGroup.RunAsync(g =>
        {
            g.Cancel();
            child = g.Spawn<int>(ct =>
            {
                thrown = new OperationCanceledException("stopped", ct);
                throw thrown;
            });
            return Task.CompletedTask;
        }).Guard();

        Assert.Equal(TaskStatus.Canceled, child!.Status);
        OperationCanceledException awaited = await Assert.ThrowsAsync<OperationCanceledException>(() => child.Guard());
        Assert.Same(thrown, awaited);
    }

    [Fact]
    public async Task Spawn_SynchronousOperationCanceled_ChildIsCanceledWithThatException()
    {
        OperationCanceledException? thrown = null;
        Task? child = null;
        await TaskGroup.RunAsync(g =>
        {
            g.Cancel();
            child = g.Spawn(ct =>
            {
                thrown = new OperationCanceledException("stopped", ct);
                throw thrown;
            });
            return Task.CompletedTask;
        }).Guard();

        Assert.Equal(TaskStatus.Canceled, child!.Status);
        OperationCanceledException awaited = await Assert.ThrowsAsync<OperationCanceledException>(() => child.Guard());
        Assert.Same(thrown, awaited);
    }
}
