using Microsoft.Coyote.Random;
using Xunit;

namespace TaskGroups.Systematic.Core;

/// <summary>The seed's own program (../shared/seed): job_1, job_2 and a daemon; each job, at a moment
/// picked by Coyote's controlled random generator (the seed's <c>random() &lt; 0.1</c>), cancels the whole
/// group. The group must end quietly and every task must have seen the cancellation.</summary>
public class SeedProgramTests
{
    /// <summary>Bound on a job's loop so that every schedule ends; at the bound the job cancels.</summary>
    private const int MaxJobSteps = 5;

    private sealed class Program(Generator random)
    {
        public bool DaemonSawCancellation { get; private set; }

        public int Cancels { get; private set; }

        public List<Task> Tasks { get; } = [];

        /// <summary>The seed's job: works in steps; with probability 1/10 per step (and surely at the
        /// bound) it cancels every task of the group and returns.</summary>
        public async Task Job(TaskGroup group, CancellationToken ct)
        {
            for (int step = 0; ; step++)
            {
                await Task.Yield(); // asyncio.sleep(1): the work, a scheduling point
                ct.ThrowIfCancellationRequested();
                if (step == MaxJobSteps || random.NextInteger(10) == 0)
                {
                    Cancels++;
                    group.Cancel();
                    Check.That(ct.IsCancellationRequested, "the job's own token is not cancelled when Cancel() returned");
                    return;
                }
            }
        }

        /// <summary>The seed's daemon: loops until cancelled.</summary>
        public async Task Daemon(CancellationToken ct)
        {
            try
            {
                while (true)
                {
                    await Task.Yield();
                    ct.ThrowIfCancellationRequested();
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                DaemonSawCancellation = true;
                throw;
            }
        }

        public Task Main(TaskGroup group)
        {
            Tasks.Add(group.Spawn(ct => Job(group, ct)));
            Tasks.Add(group.Spawn(ct => Job(group, ct)));
            Tasks.Add(group.Spawn(Daemon));
            return Task.CompletedTask;
        }
    }

    [Fact]
    public void Seed_TwoJobsAndDaemon_OneJobCancelsGroup_EndsQuietly()
    {
        static async Task Scenario()
        {
            var program = new Program(Generator.Create());
            TaskGroup? captured = null;

            Task run = TaskGroup.RunAsync(group =>
            {
                captured = group;
                return program.Main(group);
            });

            await Check.Succeeded(run, "the seed program");
            Check.That(captured!.CancellationCaught, "the group cancelled itself but CancellationCaught is false");
            Check.That(program.Cancels >= 1, "no job cancelled the group");
            Check.That(program.Tasks.All(t => t.IsCompleted), "a task of the group outlived it");
            Check.That(program.DaemonSawCancellation, "the daemon never observed the cancellation");
        }

        Exploration.AssertHolds(Scenario, seed: 901);
    }

    [Fact]
    public void Seed_TwoJobsAndDaemon_CallerCancelsAtRandomMoment_EndsCanceledWithCallersToken()
    {
        static async Task Scenario()
        {
            Generator random = Generator.Create();
            var program = new Program(random);
            using var caller = new CancellationTokenSource();
            TaskGroup? captured = null;

            Task run = TaskGroup.RunAsync(async group =>
            {
                captured = group;
                await program.Main(group);

                // The caller cancels at a random moment: before, while or after a job cancels the
                // group, but before the group completes (the body waits for it).
                await Task.Run(async () =>
                {
                    for (int steps = random.NextInteger(MaxJobSteps + 2); steps > 0; steps--)
                    {
                        await Task.Yield();
                    }

                    caller.Cancel();
                });
            }, caller.Token);

            await Check.CanceledWith(run, "the seed program, caller's token cancelled", caller.Token);
            Check.That(!captured!.CancellationCaught, "CancellationCaught is true although the group ended Canceled");
            Check.That(program.Tasks.All(t => t.IsCompleted), "a task of the group outlived it");
            Check.That(program.DaemonSawCancellation, "the daemon never observed the cancellation");
        }

        Exploration.AssertHolds(Scenario, seed: 902);
    }
}
