using Spectre.Console;
using TaskGroups.Verification;

namespace TaskGroups.Harness.Cli;

/// <summary>Console rendering: a live progress display on terminals, plain lines when redirected.</summary>
internal static class Output
{
    /// <summary>The console for tables and markup; wide enough for tables when output is redirected.</summary>
    public static IAnsiConsole Console { get; } = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(System.Console.Out),
    });

    static Output()
    {
        if (System.Console.IsOutputRedirected)
        {
            Console.Profile.Width = 160;
        }
    }

    /// <summary>The three lines every verb prints for a bug it found: the bug, its trace file, and
    /// the exact command that replays it.</summary>
    public static void WriteBug(string bug, string tracePath)
    {
        System.Console.Out.WriteLine($"bug: {bug}");
        System.Console.Out.WriteLine($"trace: {tracePath}");
        System.Console.Out.WriteLine($"replay: dotnet run --project src/Harness -- replay {tracePath}");
    }

    /// <summary>Runs <paramref name="work"/> for each item, with a progress bar per item on an
    /// interactive terminal, or one line per finished item otherwise.</summary>
    public static void WithProgress(IReadOnlyList<(string Name, int Total)> items, Action<int, Action<int>> work)
    {
        if (!Console.Profile.Capabilities.Interactive || System.Console.IsOutputRedirected)
        {
            for (int i = 0; i < items.Count; i++)
            {
                var started = System.Diagnostics.Stopwatch.StartNew();
                work(i, _ => { });
                System.Console.Out.WriteLine($"  done {items[i].Name} ({started.Elapsed.TotalSeconds:0.0}s)");
            }

            return;
        }

        Console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                for (int i = 0; i < items.Count; i++)
                {
                    ProgressTask task = ctx.AddTask(Markup.Escape(items[i].Name), maxValue: items[i].Total);
                    work(i, done => task.Value = done);
                    task.Value = task.MaxValue;
                }
            });
    }

    /// <summary>
    /// Writes the timeline: one row per step, saying which task ran and what it did; cancellations
    /// and violations stand out.
    /// </summary>
    public static void WriteTimeline(Timeline timeline)
    {
        IReadOnlyList<TimelineEntry> entries = timeline.Entries;
        List<string> tasks = entries.Select(e => e.Task).Distinct().ToList();
        System.Console.Out.WriteLine($"timeline: {entries.Count} steps, {tasks.Count} tasks ({string.Join(", ", tasks)})");
        string[] colours = ["aqua", "green", "fuchsia", "blue", "olive", "teal", "silver", "purple"];
        var table = new Table().Border(TableBorder.Simple).AddColumns("step", "task", "what happened");
        foreach (TimelineEntry entry in entries)
        {
            string what = Markup.Escape(entry.What);
            what = entry.Kind switch
            {
                TimelineEntryKind.Violation => $"[red bold]VIOLATION {what}[/]",
                TimelineEntryKind.Cancellation => $"[yellow]{what}[/]",
                _ => what,
            };

            string colour = colours[tasks.IndexOf(entry.Task) % colours.Length];
            table.AddRow(entry.Step.ToString(), $"[{colour}]{Markup.Escape(entry.Task)}[/]", what);
        }

        Console.Write(table);
    }
}
