using System.Globalization;
using System.Runtime;
using static TaskGroups.Benchmarks.Measurement;

namespace TaskGroups.Benchmarks;

/// <summary>
/// A quick A/B check outside BenchmarkDotNet, shaped like the acceptance run: for each scenario, rounds
/// that run the hand-rolled pattern and TaskGroup back to back (alternating which goes first, so that
/// neither always runs on a warmer or a more fragmented heap), then medians and the ratio of medians.
/// Noise from other processes hits both sides of a round alike, which is why it compares in rounds.
/// </summary>
public static class SideBySide
{
    /// <summary>A scenario; <paramref name="Depth"/> marks the nested one, sized by <c>--depth</c>
    /// instead of <c>--children</c> (its per-child figures are then per level).</summary>
    private sealed record Scenario(
        string Name,
        Func<int, CancellationToken, Task> HandRolled,
        Func<int, CancellationToken, Task> TaskGroup,
        Func<int, CancellationToken, Task>? Floor = null,
        bool Depth = false);

    private static readonly Scenario[] s_scenarios =
    [
        new("spawn+join, yielding child", (n, ct) => HandRolled.SpawnJoin(n, Children.Yielding, ct), (n, ct) => WithTaskGroup.SpawnJoin(n, Children.Yielding, ct), (n, ct) => Floor.SpawnJoin(n, Children.Yielding, ct)),
        new("spawn+join, sync child", (n, ct) => HandRolled.SpawnJoin(n, Children.Sync, ct), (n, ct) => WithTaskGroup.SpawnJoin(n, Children.Sync, ct), (n, ct) => Floor.SpawnJoin(n, Children.Sync, ct)),
        new("spawn+join, Task.Delay(1) child", (n, ct) => HandRolled.SpawnJoin(n, Children.Timer, ct), (n, ct) => WithTaskGroup.SpawnJoin(n, Children.Timer, ct), (n, ct) => Floor.SpawnJoin(n, Children.Timer, ct)),
        new("cancel fan-out, Task.Delay child", (n, ct) => HandRolled.CancelFanOut(n, Children.Delay, ct), (n, ct) => WithTaskGroup.CancelFanOut(n, Children.Delay, ct), (n, ct) => Floor.CancelFanOut(n, Children.Delay, ct)),
        new("cancel fan-out, TCS+Register child", (n, ct) => HandRolled.CancelFanOut(n, Children.TcsRegister, ct), (n, ct) => WithTaskGroup.CancelFanOut(n, Children.TcsRegister, ct), (n, ct) => Floor.CancelFanOut(n, Children.TcsRegister, ct)),
        new("failure fan-out, Task.Delay children", (n, ct) => HandRolled.FailureFanOut(n, Children.Delay, ct), (n, ct) => WithTaskGroup.FailureFanOut(n, Children.Delay, ct)),
        new("nested groups (per level)", HandRolled.Nested, WithTaskGroup.Nested, Depth: true),
    ];

    /// <summary>Runs the comparison; returns 1 if a ratio exceeds <c>--max-ratio</c> (when given).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        int size = Option(args, "--children", 50_000);
        int rounds = Option(args, "--rounds", 15);
        int warmup = Option(args, "--warmup", 3);
        int depth = Option(args, "--depth", 1_000);
        double maxRatio = Option(args, "--max-ratio", double.NaN);
        string? only = OptionString(args, "--only");

        Console.WriteLine($".NET {Environment.Version}, {Environment.ProcessorCount} cores, {(GCSettings.IsServerGC ? "server" : "workstation")} GC");
        Console.WriteLine($"{size:N0} children ({depth:N0} levels for nesting), {warmup} warm-up + {rounds} measured rounds per scenario, interleaved (each round rotates which side goes first)");
        Console.WriteLine();
        Console.WriteLine($"{"scenario",-38} {"hand-rolled",12} {"TaskGroup",12} {"ratio",7} {"ratio*",7} {"HR B/child",11} {"TG B/child",11} {"floor",12} {"vs floor",7} {"FL B/child",11} {"+B/child",9}");

        using var caller = new CancellationTokenSource();
        bool failed = false;
        foreach (Scenario scenario in s_scenarios)
        {
            if (only is not null && !only.Split(',').Any(part => scenario.Name.Contains(part, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            int children = scenario.Depth ? depth : size;
            var sides = new List<Func<Task>> { () => scenario.HandRolled(children, caller.Token), () => scenario.TaskGroup(children, caller.Token) };
            if (scenario.Floor is { } floor)
            {
                sides.Add(() => floor(children, caller.Token));
            }

            for (int i = 0; i < warmup; i++)
            {
                foreach (Func<Task> side in sides)
                {
                    await Measure(side);
                }
            }

            // Rounds rotate which side goes first, so that none always runs on a warmer heap.
            var samples = sides.Select(_ => new List<Sample>()).ToArray();
            for (int i = 0; i < rounds; i++)
            {
                for (int k = 0; k < sides.Count; k++)
                {
                    int side = (i + k) % sides.Count;
                    samples[side].Add(await Measure(sides[side]));
                }
            }

            List<Sample> hr = samples[0], tg = samples[1];
            double hrMedian = Median(hr.Select(s => s.Elapsed.TotalMilliseconds));
            double tgMedian = Median(tg.Select(s => s.Elapsed.TotalMilliseconds));
            double ratio = tgMedian / hrMedian;
            double roundRatio = Median(hr.Zip(tg, (h, t) => t.Elapsed.TotalMilliseconds / h.Elapsed.TotalMilliseconds));
            double hrBytes = Median(hr.Select(s => (double)s.Allocated)) / children;
            double tgBytes = Median(tg.Select(s => (double)s.Allocated)) / children;
            string floorColumns = "";
            if (samples.Length > 2)
            {
                List<Sample> fl = samples[2];
                double flMedian = Median(fl.Select(s => s.Elapsed.TotalMilliseconds));
                double flBytes = Median(fl.Select(s => (double)s.Allocated)) / children;
                floorColumns = string.Create(CultureInfo.InvariantCulture,
                    $" {flMedian,9:F2} ms {tgMedian / flMedian,7:F2} {flBytes,11:F0} {tgBytes - flBytes,+9:F0}");
            }

            bool over = !double.IsNaN(maxRatio) && ratio > maxRatio;
            failed |= over;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{scenario.Name,-38} {hrMedian,9:F2} ms {tgMedian,9:F2} ms {ratio,7:F2} {roundRatio,7:F2} {hrBytes,11:F0} {tgBytes,11:F0}{floorColumns}{(over ? "  OVER" : "")}"));
        }

        Console.WriteLine();
        Console.WriteLine("ratio = median(TaskGroup) / median(hand-rolled); ratio* = median of the per-round ratios;");
        Console.WriteLine("vs floor = median(TaskGroup) / median(floor); +B/child = TaskGroup's bytes per child above the floor.");
        return failed ? 1 : 0;
    }
}
