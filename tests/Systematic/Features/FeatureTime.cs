using Microsoft.Coyote.Random;
using TaskGroups.Harness.Scenarios;

namespace TaskGroups.Systematic.Features;

/// <summary>Virtual time for the feature tests: the harness's <see cref="VirtualClock"/>, advanced at
/// moments Coyote picks, one or two 5 s ticks at a time, while a timer on it is armed.</summary>
internal static class FeatureTime
{
    public static readonly TimeSpan Tick = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    public static VirtualClock StartClock(Generator random) => VirtualClock.Start(random, Tick);

    /// <summary>Options with the 10 s <see cref="Deadline"/> on <paramref name="clock"/>.</summary>
    public static TaskGroupOptions DeadlineOn(VirtualClock clock) => new() { Timeout = Deadline, TimeProvider = clock.Time };

    /// <summary>Awaiting the run threw exactly a TimeoutException.</summary>
    public static bool IsTimeout(Exception? thrown) => thrown is not null && thrown.GetType() == typeof(TimeoutException);
}
