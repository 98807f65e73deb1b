using TaskGroups.Verification;
using Verifier = TaskGroups.Verification.Systematic; // this project's namespace is TaskGroups.Systematic
using Xunit;

namespace TaskGroups.Systematic.Verification;

/// <summary>
/// A task the test started and left running when its body returned (unstructured concurrency) is a bug
/// of <see cref="Verifier.Verify"/>, named with where the task's code is: a <c>Task.Run</c> nobody awaited
/// and an async call nobody awaited are caught; the same bodies awaiting them, and a TaskGroup, pass.
/// </summary>
public sealed class LeakedTaskTests : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "taskgroups-verify-leaks", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_work))
        {
            Directory.Delete(_work, recursive: true);
        }
    }

    private SystematicOptions Options => new() { Schedules = 100, Seed = 2, OutputDirectory = _work, Parallelism = 1 };

    private static Func<Task> TaskRunBody(bool awaitIt) => async () =>
    {
        Task background = Task.Run(async () =>
        {
            await Task.Yield();
            await Task.Yield();
        });
        await Task.Yield();
        if (awaitIt)
        {
            await background;
        }
    };

    private static async Task WorkAsync()
    {
        await Task.Yield();
        await Task.Yield();
    }

    private static Func<Task> AsyncCallBody(bool awaitIt) => async () =>
    {
        Task work = WorkAsync();
        await Task.Yield();
        if (awaitIt)
        {
            await work;
        }
    };

    [Fact]
    public void Verify_TaskRunNotAwaited_IsReportedWithItsStartSite()
    {
        SystematicTestException found = Assert.Throws<SystematicTestException>(() => Verifier.Verify(TaskRunBody(awaitIt: false), Options));
        string bug = found.Message.Split('\n')[0];
        Assert.StartsWith("bug: leaked task: 1 task(s) the test started still running when the test body returned: ", bug);
        Assert.Contains($"a lambda in {typeof(LeakedTaskTests).FullName}.{nameof(TaskRunBody)} at {nameof(LeakedTaskTests)}.cs:", bug);
        Assert.Contains("replayed once: reproduced the identical bug", found.Message);
    }

    [Fact]
    public void Verify_AsyncCallNotAwaited_IsReportedWithTheMethod()
    {
        SystematicTestException found = Assert.Throws<SystematicTestException>(() => Verifier.Verify(AsyncCallBody(awaitIt: false), Options));
        string bug = found.Message.Split('\n')[0];
        Assert.Contains($"{typeof(LeakedTaskTests).FullName}.{nameof(WorkAsync)} at {nameof(LeakedTaskTests)}.cs:", bug);
    }

    [Fact]
    public void Verify_TaskRunAwaited_Passes() => Verifier.Verify(TaskRunBody(awaitIt: true), Options);

    [Fact]
    public void Verify_AsyncCallAwaited_Passes() => Verifier.Verify(AsyncCallBody(awaitIt: true), Options);

    [Fact]
    public void Verify_WorkInsideATaskGroup_Passes() => Verifier.Verify(async () =>
        await TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(_ => WorkAsync());
            _ = g.Spawn(async _ => await Task.Run(WorkAsync));
            return Task.CompletedTask;
        }), Options);
}
