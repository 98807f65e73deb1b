namespace TaskGroups.Unit.Mutation;

/// <summary>A child delegate that throws <see cref="OperationCanceledException"/> synchronously ends
/// Canceled and keeps that very exception, as an <c>async</c> method would (README), with or without a result.</summary>
public class CompletedTests
{
    [Fact]
    public Task SpawnWithResult_SynchronousOperationCanceled_ChildIsCanceledWithThatException() =>
        AssertCanceledWithThatException((g, stop) => g.Spawn<int>(ct => throw stop(ct)));

    [Fact]
    public Task Spawn_SynchronousOperationCanceled_ChildIsCanceledWithThatException() =>
        AssertCanceledWithThatException((g, stop) => g.Spawn(ct => throw stop(ct)));

    /// <summary>Spawns, with <paramref name="spawn"/>, a child whose delegate throws the exception
    /// <c>stop(ct)</c> makes, into a cancelled group; the child's task must be Canceled with it.</summary>
    private static async Task AssertCanceledWithThatException(Func<TaskGroup, Func<CancellationToken, OperationCanceledException>, Task> spawn)
    {
        OperationCanceledException? thrown = null;
        Task? child = null;
        await TaskGroup.RunAsync(g =>
        {
            g.Cancel();
            child = spawn(g, ct => thrown = new OperationCanceledException("stopped", ct));
            return Task.CompletedTask;
        }).Guard();

        Assert.Equal(TaskStatus.Canceled, child!.Status);
        OperationCanceledException awaited = await Assert.ThrowsAsync<OperationCanceledException>(() => child.Guard());
        Assert.Same(thrown, awaited);
    }
}
