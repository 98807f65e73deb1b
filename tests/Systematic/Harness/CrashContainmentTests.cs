using TaskGroups.Verification.Engine;
using Xunit;

namespace TaskGroups.Systematic.Harness;

/// <summary>Runs alone: an escaped exception is process-wide, and a parallel exploration would take it.</summary>
[CollectionDefinition(nameof(CrashContainmentTests), DisableParallelization = true)]
public sealed class CrashContainmentCollection;

/// <summary>A broken target must not kill the process (issue 12: exit 134 instead of a report).</summary>
[Collection(nameof(CrashContainmentTests))]
public sealed class CrashContainmentTests
{
    [Fact]
    public async Task TeardownNoise_OnThreadPool_DoesNotKillTheProcess()
    {
        CrashContainment.Install();
        var ran = new TaskCompletionSource();
        ThreadPool.UnsafeQueueUserWorkItem(_ =>
        {
            ran.SetResult();
            throw new TaskSchedulerException(new ThreadInterruptedException()); // what Coyote's teardown rethrows
        }, null);
        await ran.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(200); // the process would be gone by now without the handler
        Assert.True(CrashContainment.IsTeardown(new TaskSchedulerException(new ThreadInterruptedException())));
    }

    [Fact]
    public async Task OtherException_DuringExploration_IsRecordedNotFatal()
    {
        Exception? escaped = null;
        using (CrashContainment.Enter())
        {
            var thrown = new TaskCompletionSource();
            ThreadPool.UnsafeQueueUserWorkItem(_ =>
            {
                thrown.SetResult();
                throw new InvalidOperationException("a target's callback crashed");
            }, null);
            await thrown.Task.WaitAsync(TimeSpan.FromSeconds(30));
            for (int i = 0; i < 100 && escaped is null; i++)
            {
                await Task.Delay(20);
                escaped = CrashContainment.TakeEscaped();
            }
        }

        Assert.Equal("a target's callback crashed", Assert.IsType<InvalidOperationException>(escaped).Message);
        Assert.False(CrashContainment.IsTeardown(escaped));
    }
}
