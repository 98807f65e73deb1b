using System.Diagnostics;
using System.Globalization;

namespace TaskGroups.Benchmarks;

/// <summary>What the interleaved modes (<see cref="SideBySide"/>, <see cref="Variants"/>) share: one
/// measured run, medians, and the tiny option parser.</summary>
internal static class Measurement
{
    /// <summary>One run: wall time and bytes allocated on every thread.</summary>
    public readonly record struct Sample(TimeSpan Elapsed, long Allocated);

    /// <summary>Runs <paramref name="operation"/> once after a full collection, so that one run's
    /// garbage is not charged to the next.</summary>
    public static async Task<Sample> Measure(Func<Task> operation)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        long started = Stopwatch.GetTimestamp();
        await operation();
        TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        return new Sample(elapsed, allocated);
    }

    public static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    public static string? OptionString(string[] args, string name)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    public static int Option(string[] args, string name, int fallback) =>
        OptionString(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public static double Option(string[] args, string name, double fallback) =>
        OptionString(args, name) is { } value ? double.Parse(value, CultureInfo.InvariantCulture) : fallback;
}
