using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit.CoreV2;

/// <summary>A failure nested any number of groups deep can be printed, quickly and without
/// recursion that could overflow the stack; the structure stays in InnerExceptions.</summary>
public class DeepFailureTests
{
    /// <summary>A chain of <paramref name="depth"/> groups, one child each; the innermost child throws.</summary>
    private static Task Nested(int depth, Exception leaf) =>
        TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(async _ =>
            {
                if (depth == 1)
                {
                    await Task.Yield();
                    throw leaf;
                }

                await Nested(depth - 1, leaf);
            });
            return Task.CompletedTask;
        });

    [Theory]
    [InlineData(1_000)]
    [InlineData(20_000)]
    public async Task DeepFailure_MessageAndToString_SmallAndNameTheLeaf(int depth)
    {
        var leaf = Boom("the leaf");
        TaskGroupException ex = await AssertFaulted(Nested(depth, leaf));

        string message = ex.Message;
        string text = ex.ToString();
        Assert.Contains("the leaf", message);
        Assert.Contains($"{depth} groups deep", message);
        Assert.Contains("the leaf", text);
        Assert.True(message.Length < 1_000, $"Message is {message.Length} chars");
        Assert.True(text.Length < 20_000, $"ToString() is {text.Length} chars");

        // The structure is intact: depth-1 nested group exceptions, then the leaf.
        Exception current = ex;
        for (int level = 1; level < depth; level++)
        {
            current = Assert.IsType<TaskGroupException>(Assert.Single(((TaskGroupException)current).InnerExceptions));
        }

        Assert.Same(leaf, Assert.Single(((TaskGroupException)current).InnerExceptions));
    }

    [Fact]
    public async Task DeepFailure_ManyLeaves_MessageCountsThemAndNamesTheFirst()
    {
        Task run = TaskGroup.RunAsync(g =>
        {
            for (int i = 0; i < 1_000; i++)
            {
                int n = i;
                _ = g.Spawn(ct => TaskGroup.RunAsync(inner =>
                {
                    _ = inner.Spawn(innerCt => throw Boom($"leaf {n}"));
                    return Task.CompletedTask;
                }));
            }

            return Task.CompletedTask;
        });
        TaskGroupException ex = await AssertFaulted(run);
        Assert.StartsWith("One or more tasks of the group failed (1000 failures, 2 groups deep): TestFailureException: leaf 0;", ex.Message);
        Assert.Contains("and 997 more", ex.Message);
        Assert.Contains("990 more failures", ex.ToString());
    }

    [Fact]
    public void DeepFailure_HandBuiltEmptyNestedGroup_IsALeaf()
    {
        var ex = new TaskGroupException([new TaskGroupException([]), Boom("x")]);
        Assert.Contains("2 failures", ex.Message);
    }
}
