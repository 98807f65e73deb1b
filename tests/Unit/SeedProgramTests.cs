namespace TaskGroups.Unit;

/// <summary>
/// The README's quick start — the seed discussion's two jobs and a daemon — on the real thread pool,
/// with 1 ms of "work" instead of a second and a seeded Random, many times: the group that cancels
/// itself ends quietly (invariant 3's own-signal row), and the caller's token still wins (invariant 3).
/// </summary>
public class SeedProgramTests
{
    private static async Task JobAsync(TaskGroup group, Random random, CancellationToken ct)
    {
        while (true)
        {
            await Task.Delay(1, ct);
            if (random.NextDouble() < 0.3)
            {
                group.Cancel();
                return;
            }
        }
    }

    private static async Task DaemonAsync(CancellationToken ct)
    {
        while (true)
        {
            await Task.Delay(1, ct);
        }
    }

    private static Task RunSeedProgram(int seed, out Func<TaskGroup> group, CancellationToken cancellationToken = default)
    {
        TaskGroup? captured = null;
        group = () => captured!;
        return TaskGroup.RunAsync(g =>
        {
            captured = g;
            _ = g.Spawn(ct => JobAsync(g, new Random(seed), ct));
            _ = g.Spawn(ct => JobAsync(g, new Random(seed + 1), ct));
            _ = g.Spawn(ct => DaemonAsync(ct));
            return Task.CompletedTask;
        }, cancellationToken);
    }

    [Fact]
    public async Task SeedProgram_AJobCancelsTheGroup_EndsQuietly()
    {
        for (int seed = 0; seed < 50; seed++)
        {
            Task run = RunSeedProgram(seed, out Func<TaskGroup> group);
            await run.Guard();
            Assert.Equal(TaskStatus.RanToCompletion, run.Status);
            Assert.True(group().CancellationCaught);
        }
    }

    [Fact]
    public async Task SeedProgram_CallerCancelsFirst_EndsCanceledWithCallersToken()
    {
        for (int seed = 0; seed < 20; seed++)
        {
            using var caller = new CancellationTokenSource();
            Task run = RunSeedProgram(seed, out _, caller.Token);
            caller.Cancel(); // racing the jobs' own Cancel(): the caller's cancellation is never swallowed
            OperationCanceledException oce = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.Guard());
            Assert.Equal(caller.Token, oce.CancellationToken);
            Assert.Equal(TaskStatus.Canceled, run.Status);
        }
    }
}
