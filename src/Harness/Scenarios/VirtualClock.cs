using Microsoft.Extensions.Time.Testing;
using TaskGroups.Verification;

namespace TaskGroups.Harness.Scenarios;

/// <summary>
/// Virtual time under the scheduler: a <see cref="FakeTimeProvider"/> for the groups of one schedule,
/// advanced by a controlled "clock" task at moments the Coyote scheduler chooses — each round the clock
/// yields a Coyote-chosen number of times, then advances by a Coyote-chosen number of ticks — so a
/// deadline, a CancelAfter or a grace period fires between any two steps of the children, and a replay
/// fires it at the same point (the choices are part of the schedule). No real timer is involved:
/// every timer of a group on this clock is the fake provider's, fired synchronously inside
/// <see cref="FakeTimeProvider.Advance"/> on the clock task. The groups get <see cref="Time"/>, which
/// is the fake provider with its timers counted (<see cref="ClockedTimeProvider"/>).
/// </summary>
/// <remarks>
/// <para>The fake provider's assembly is deliberately not rewritten for Coyote: its code is synchronous
/// (no tasks, no awaits), its lock is held only around its own bookkeeping and released before it runs a
/// timer's callback, and under Coyote only one task runs at a time, so the lock is never contended.
/// Rewriting it would only add scheduling points inside the clock's bookkeeping.</para>
/// <para>Checked runs with a deadline watch the clock (<see cref="IClockWatcher"/>): just before each
/// advance they sample, independently of the group, whether the deadline is about to elapse while their
/// code still runs and before anything else cancelled them — the facts the checker's timeout row needs.</para>
/// </remarks>
public sealed class VirtualClock
{
    private readonly SpinGate _gate = new();
    private readonly List<IClockWatcher> _watchers = [];
    private readonly DateTimeOffset _start;
    private volatile bool _stopped;

    /// <summary>Where the clock records its advances (the scenario's timeline), if anywhere.</summary>
    private Action<string>? _log;

    /// <summary>Timers armed and not yet fired or disposed: the clock advances only while there is one.</summary>
    private int _armedTimers;

    /// <summary>Completed when a timer is armed while the clock waits for one (or when it is stopped).
    /// Created without asynchronous continuations, which Coyote does not control.</summary>
    private TaskCompletionSource? _wake;

    private VirtualClock(TimeSpan tick)
    {
        Tick = tick;
        _start = Fake.GetUtcNow();
        Time = new ClockedTimeProvider(this);
    }

    /// <summary>The fake provider underneath: its time, its timers.</summary>
    public FakeTimeProvider Fake { get; } = new();

    /// <summary>The provider to put into <see cref="TaskGroupOptions.TimeProvider"/>: the fake one, with
    /// its timers counted, so that the clock knows when time needs to flow.</summary>
    public TimeProvider Time { get; }

    /// <summary>The smallest step of the clock.</summary>
    public TimeSpan Tick { get; }

    /// <summary>Virtual time since the clock was created.</summary>
    public TimeSpan Elapsed => Fake.GetUtcNow() - _start;

    /// <summary>The clock task: completes when the clock is stopped.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Starts the clock task of <paramref name="ctx"/>'s schedule.</summary>
    /// <param name="ctx">The schedule's context (its controlled randomness chooses the moments and steps).</param>
    /// <param name="tick">One step; each advance is one or two ticks, as the schedule picks.</param>
    /// <param name="maxYields">Yields before each advance, at most.</param>
    /// <remarks>The clock advances only while a timer on it is armed, and waits (without spinning) while
    /// none is: so every armed timer fires eventually even when every other task waits for it, and an
    /// idle clock costs no scheduling steps.</remarks>
    public static VirtualClock Start(CheckedContext ctx, TimeSpan tick, int maxYields = 3)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ctx.Checker.Timeline?.Describe("clock", "the virtual clock: advances the groups' FakeTimeProvider at moments the schedule picks");
        return Start(ctx.Next, work => ctx.StartTask("clock", work), what => ctx.Log(what), tick, maxYields);
    }

    /// <summary>
    /// Starts a clock driven by Coyote's controlled <paramref name="random"/> generator, for a plain
    /// systematic test (<c>Systematic.Verify</c>) of code that takes a <see cref="TimeProvider"/>.
    /// </summary>
    public static VirtualClock Start(Microsoft.Coyote.Random.Generator random, TimeSpan tick, int maxYields = 3)
    {
        ArgumentNullException.ThrowIfNull(random);
        return Start(random.NextInteger, work => Task.Run(work), log: null, tick, maxYields);
    }

    private static VirtualClock Start(Func<int, int> next, Func<Func<Task>, Task> run, Action<string>? log, TimeSpan tick, int maxYields)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(tick, TimeSpan.Zero);
        var clock = new VirtualClock(tick) { _log = log };
        clock.Completion = run(async () =>
        {
            while (!clock._stopped)
            {
                Task? wake = clock.WaitForTimer();
                if (wake is not null)
                {
                    await wake;
                    await Task.Yield();
                    continue;
                }

                int yields = next(maxYields + 1);
                for (int i = 0; i < yields; i++)
                {
                    await Task.Yield();
                }

                if (clock._stopped)
                {
                    break;
                }

                clock.Advance(tick * (1 + next(2)));
            }
        });
        return clock;
    }

    /// <summary>Stops the clock and waits for the clock task.</summary>
    public Task StopAsync()
    {
        _stopped = true;
        Wake();
        return Completion;
    }

    /// <summary>Checked runs with a deadline sample their facts around every advance.</summary>
    internal void Watch(IClockWatcher watcher)
    {
        using (_gate.Enter())
        {
            _watchers.Add(watcher);
        }
    }

    /// <summary>Null if a timer is armed (time may flow), else a task completed when one is.</summary>
    private Task? WaitForTimer()
    {
        using (_gate.Enter())
        {
            if (_armedTimers > 0 || _stopped)
            {
                return null;
            }

            _wake ??= new TaskCompletionSource();
            return _wake.Task;
        }
    }

    private void Wake()
    {
        TaskCompletionSource? wake;
        using (_gate.Enter())
        {
            wake = _wake;
            _wake = null;
        }

        wake?.TrySetResult();
    }

    /// <summary>A timer on this clock was armed (true) or fired, disarmed or disposed (false).</summary>
    internal void Armed(bool armed)
    {
        bool wake;
        using (_gate.Enter())
        {
            _armedTimers += armed ? 1 : -1;
            wake = armed && _armedTimers == 1;
        }

        if (wake)
        {
            Wake();
        }
    }

    private void Advance(TimeSpan step)
    {
        TimeSpan to = Elapsed + step;
        IClockWatcher[] watchers;
        using (_gate.Enter())
        {
            watchers = [.. _watchers];
        }

        foreach (IClockWatcher w in watchers)
        {
            w.BeforeAdvance(to);
        }

        _log?.Invoke($"the clock advances to {to.TotalSeconds:0.###} s");
        Fake.Advance(step); // fires every due timer, in due order, on this task
        foreach (IClockWatcher w in watchers)
        {
            w.AfterAdvance();
        }
    }
}
