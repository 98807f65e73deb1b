using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit.Mutation;

/// <summary>The wording of the two errors the library raises for misuse: a spawn into a completed
/// group, and a delegate that returned a null task.</summary>
public class ThrowHelperTests
{
    [Fact]
    public async Task Spawn_AfterCompletion_SaysWhichGroupHasCompleted()
    {
        TaskGroup? captured = null;
        await TaskGroup.RunAsync(g => { captured = g; return Task.CompletedTask; }).Guard();
        TaskGroup group = captured!;

        InvalidOperationException exception = Assert.Throws<InvalidOperationException>(() => { _ = group.Spawn(_ => Task.CompletedTask); });
        Assert.Equal($"TaskGroup#{group.Id} has completed: no child can be spawned into it any more.", exception.Message);
    }

    [Fact]
    public async Task Spawn_DelegateReturnsNullTask_FailsTheGroupWithANamedError()
    {
        TaskGroupException failure = await AssertFaulted(TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(_ => null!);
            return Task.CompletedTask;
        }));

        InvalidOperationException exception = Assert.IsType<InvalidOperationException>(Assert.Single(failure.InnerExceptions));
        Assert.Equal("The delegate passed to TaskGroup.Spawn or TaskGroup.RunAsync returned a null Task.", exception.Message);
    }
}
