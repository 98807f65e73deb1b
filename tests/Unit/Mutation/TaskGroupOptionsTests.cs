namespace TaskGroups.Unit.Mutation;

/// <summary><see cref="TaskGroupOptions"/> that are not usable are refused by <c>RunAsync</c>
/// before the group opens, naming the options parameter and the offending option.</summary>
public class TaskGroupOptionsTests
{
    private static Task Run(TaskGroupOptions options) => TaskGroup.RunAsync(_ => Task.CompletedTask, options);

    [Fact]
    public void RunAsync_NullTimeProvider_ThrowsArgumentExceptionForOptions()
    {
        ArgumentException exception = Assert.Throws<ArgumentException>(() => { _ = Run(new TaskGroupOptions { TimeProvider = null! }); });
        Assert.Equal("options", exception.ParamName);
        Assert.StartsWith("TaskGroupOptions.TimeProvider must not be null.", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void RunAsync_TimeoutNotPositive_ThrowsArgumentOutOfRangeForOptions(int milliseconds)
    {
        TimeSpan timeout = TimeSpan.FromMilliseconds(milliseconds);
        ArgumentOutOfRangeException exception = Assert.Throws<ArgumentOutOfRangeException>(() => { _ = Run(new TaskGroupOptions { Timeout = timeout }); });
        Assert.Equal("options", exception.ParamName);
        Assert.Equal(timeout, exception.ActualValue);
        Assert.StartsWith("TaskGroupOptions.Timeout must be positive or Timeout.InfiniteTimeSpan.", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void RunAsync_MaxConcurrencyBelowOne_ThrowsArgumentOutOfRangeForOptions(int limit)
    {
        ArgumentOutOfRangeException exception = Assert.Throws<ArgumentOutOfRangeException>(() => { _ = Run(new TaskGroupOptions { MaxConcurrency = limit }); });
        Assert.Equal("options", exception.ParamName);
        Assert.Equal(limit, exception.ActualValue);
        Assert.StartsWith("TaskGroupOptions.MaxConcurrency must be at least 1.", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_InfiniteTimeoutAndLimitOne_AreAccepted()
    {
        await TaskGroup.RunAsync(
            g => { _ = g.Spawn(async _ => await Task.Yield()); return Task.CompletedTask; },
            new TaskGroupOptions { Timeout = Timeout.InfiniteTimeSpan, MaxConcurrency = 1 }).Guard();
    }
}
