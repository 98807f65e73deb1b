using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Runtime;
using static TaskGroups.Benchmarks.Measurement;

namespace TaskGroups.Benchmarks;

/// <summary>
/// What a feature costs a group that uses it, and what observability costs when someone listens:
/// interleaved rounds of the default group against the same workload with options or listeners, so
/// every ratio is taken in one run under the same noise (see <see cref="SideBySide"/>).
/// </summary>
public static class Variants
{
    private sealed record Variant(string Name, Func<int, Func<CancellationToken, Task>, bool, Task> Run, bool Listened = false);

    private static readonly Variant[] s_variants =
    [
        new("default (no options)", (n, work, cancel) => Run(n, work, cancel, options: null)),
        new("limit = children (never binds)", (n, work, cancel) => Run(n, work, cancel, new TaskGroupOptions { MaxConcurrency = n })),
        new("limit = 64", (n, work, cancel) => Run(n, work, cancel, new TaskGroupOptions { MaxConcurrency = 64 })),
        new("supervisor (FailFast = false)", (n, work, cancel) => Run(n, work, cancel, new TaskGroupOptions { FailFast = false })),
        new("ActivityListener + MeterListener", (n, work, cancel) => Run(n, work, cancel, options: null), Listened: true),
    ];

    private static readonly (string Name, Func<CancellationToken, Task> Work, bool Cancel)[] s_workloads =
    [
        ("spawn+join, yielding child", Children.Yielding, false),
        ("cancel fan-out, TCS+Register child", Children.TcsRegister, true),
    ];

    /// <summary>Runs every workload under every variant; prints time and bytes per child against the default.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        int size = Option(args, "--children", 50_000);
        int rounds = Option(args, "--rounds", 15);
        int warmup = Option(args, "--warmup", 3);
        Console.WriteLine($".NET {Environment.Version}, {Environment.ProcessorCount} cores, {(GCSettings.IsServerGC ? "server" : "workstation")} GC");
        Console.WriteLine($"{size:N0} children, {warmup} warm-up + {rounds} measured rounds per workload, variants interleaved (each round rotates the order)");
        foreach ((string name, Func<CancellationToken, Task> work, bool cancel) in s_workloads)
        {
            Console.WriteLine();
            Console.WriteLine($"{name}");
            Console.WriteLine($"  {"variant",-36} {"median",12} {"vs default",11} {"B/child",8} {"+B/child",9}");
            var sides = s_variants.Select(v => (Func<Task>)(() => Listen(v, () => v.Run(size, work, cancel)))).ToArray();
            for (int i = 0; i < warmup; i++)
            {
                foreach (Func<Task> side in sides)
                {
                    await Measure(side);
                }
            }

            var samples = sides.Select(_ => new List<Sample>()).ToArray();
            for (int i = 0; i < rounds; i++)
            {
                for (int k = 0; k < sides.Length; k++)
                {
                    int side = (i + k) % sides.Length;
                    samples[side].Add(await Measure(sides[side]));
                }
            }

            double baseMs = Median(samples[0].Select(s => s.Elapsed.TotalMilliseconds));
            double baseBytes = Median(samples[0].Select(s => (double)s.Allocated)) / size;
            for (int v = 0; v < s_variants.Length; v++)
            {
                double ms = Median(samples[v].Select(s => s.Elapsed.TotalMilliseconds));
                double bytes = Median(samples[v].Select(s => (double)s.Allocated)) / size;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {s_variants[v].Name,-36} {ms,9:F2} ms {ms / baseMs,11:F2} {bytes,8:F0} {bytes - baseBytes,+9:F0}"));
            }
        }

        Console.WriteLine();
        Console.WriteLine("vs default = median(variant) / median(default group); +B/child = bytes per child above the default group.");
        return 0;
    }

    private static Task Run(int n, Func<CancellationToken, Task> work, bool cancel, TaskGroupOptions? options)
    {
        Func<TaskGroup, Task> body = group =>
        {
            for (int i = 0; i < n; i++)
            {
                group.Spawn(work);
            }

            if (cancel)
            {
                group.Cancel();
            }

            return Task.CompletedTask;
        };
        return options is null ? TaskGroup.RunAsync(body) : TaskGroup.RunAsync(body, options);
    }

    /// <summary>Runs <paramref name="run"/> with a recording ActivityListener and a MeterListener on
    /// the library's source and meter when the variant asks for them, so that the cost of listening
    /// is measured, not only the cost of checking for listeners.</summary>
    private static async Task Listen(Variant variant, Func<Task> run)
    {
        if (!variant.Listened)
        {
            await run();
            return;
        }

        using var activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "TaskGroups",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(activities);
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "TaskGroups")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>(static (_, _, _, _) => { });
        meters.SetMeasurementEventCallback<double>(static (_, _, _, _) => { });
        meters.Start();
        await run();
    }
}
