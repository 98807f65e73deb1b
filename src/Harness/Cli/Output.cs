using Spectre.Console;
using TaskGroups.Verification;
using TaskGroups.Verification.Engine;

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

    /// <summary>The three lines every verb prints for a bug it found: the bug, its schedule file, and
    /// the exact command that replays it (from any directory); then the HTML timeline, if written.</summary>
    public static void WriteBug(string bug, string tracePath, string? htmlPath = null)
    {
        Line($"bug: {bug}");
        Line($"schedule: {tracePath}");
        Line($"replay: {ReplayCommand.For(tracePath)}");
        if (htmlPath is not null)
        {
            Line($"html: {htmlPath}");
        }
    }

    /// <summary>
    /// One line exactly as given, never wrapped (a wrapped replay command would not paste). On a
    /// terminal it goes through the console's pipeline as a raw sequence, so that a running progress
    /// display re-renders below it instead of being overwritten.
    /// </summary>
    private static void Line(string text)
    {
        if (Console.Profile.Capabilities.Ansi && !System.Console.IsOutputRedirected)
        {
            Console.WriteAnsi(text + Environment.NewLine);
        }
        else
        {
            System.Console.Out.WriteLine(text);
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> for each item until Ctrl-C: on an interactive terminal with a
    /// progress bar per item, which turns red with the bug lines printed above it the moment an item
    /// finds a bug; otherwise one line per finished item, its bug lines right after it. Quiet prints
    /// only the bug lines. Spectre restores the cursor when the display ends, interrupted or not.
    /// </summary>
    public static void WithProgress(IReadOnlyList<(string Name, int Total)> items, Verbosity verbosity, Func<int, Action<int>, ProgressResult> work)
    {
        if (verbosity == Verbosity.Quiet || !Console.Profile.Capabilities.Interactive || System.Console.IsOutputRedirected)
        {
            for (int i = 0; i < items.Count && !Interruption.Requested; i++)
            {
                var started = System.Diagnostics.Stopwatch.StartNew();
                ProgressResult result = work(i, _ => { });
                if (verbosity != Verbosity.Quiet)
                {
                    string state = result.Bug ? "BUG " : Interruption.Requested ? "stopped" : "done";
                    System.Console.Out.WriteLine($"  {state} {items[i].Name} ({started.Elapsed.TotalSeconds:0.0}s)" + (verbosity == Verbosity.Detailed ? $": {result.Detail}" : string.Empty));
                }

                result.PrintBug?.Invoke();
            }

            return;
        }

        Console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                for (int i = 0; i < items.Count && !Interruption.Requested; i++)
                {
                    string name = Markup.Escape(items[i].Name);
                    ProgressTask task = ctx.AddTask(name, maxValue: items[i].Total);
                    ProgressResult result = work(i, done => task.Value = done);
                    if (result.Bug)
                    {
                        // The scenario stopped at its first bug: red, not a green 100 %.
                        task.Description = $"[red]{name}: bug[/]";
                        task.StopTask();
                        ctx.Refresh();
                        result.PrintBug?.Invoke();
                    }
                    else if (Interruption.Requested)
                    {
                        task.Description = $"[yellow]{name}: interrupted[/]";
                        task.StopTask();
                    }
                    else
                    {
                        task.Value = task.MaxValue;
                    }

                    if (verbosity == Verbosity.Detailed)
                    {
                        Console.MarkupLine($"  {name}: {Markup.Escape(result.Detail)}");
                    }
                }
            });
    }

    /// <summary>
    /// Writes the timeline: the tasks with their roles, then one row per step saying which task ran
    /// and what it did, with the state of every group's token; cancellations, the moments a token
    /// became cancelled and violations stand out.
    /// </summary>
    public static void WriteTimeline(Timeline timeline)
    {
        IReadOnlyList<TimelineEntry> entries = timeline.Entries;
        IReadOnlyList<TimelineLane> lanes = timeline.Lanes;
        List<string> groups = [.. entries.Where(e => e.Kind == TimelineEntryKind.Opened).Select(e => e.What.Split(' ', 2)[0]).Distinct()];
        System.Console.Out.WriteLine($"timeline: {entries.Count} steps, {lanes.Count} tasks:");
        string[] colours = ["aqua", "green", "fuchsia", "blue", "olive", "teal", "silver", "purple"];
        var legend = new Table().Border(TableBorder.None).HideHeaders().AddColumns("task", "role");
        for (int i = 0; i < lanes.Count; i++)
        {
            legend.AddRow($"  [{colours[i % colours.Length]}]{Markup.Escape(lanes[i].Name)}[/]", Markup.Escape(lanes[i].Role));
        }

        Console.Write(legend);
        var table = new Table().Border(TableBorder.Simple).AddColumns("step", "task", "what happened");
        foreach (string group in groups)
        {
            table.AddColumn($"{group} token");
        }

        var cancelled = new HashSet<string>(StringComparer.Ordinal);
        foreach (TimelineEntry entry in entries)
        {
            string what = Markup.Escape(entry.What);
            what = entry.Kind switch
            {
                TimelineEntryKind.Violation => $"[red bold]VIOLATION {what}[/]",
                TimelineEntryKind.TokenCancelled => $"[darkorange bold]{what}[/]",
                TimelineEntryKind.CancelCalled or TimelineEntryKind.CancelRequested or TimelineEntryKind.CancelReturned => $"[yellow]{what}[/]",
                TimelineEntryKind.Failure => $"[red]{what}[/]",
                TimelineEntryKind.Spawned => $"[green]{what}[/]",
                _ => what,
            };

            bool flipped = entry.Kind == TimelineEntryKind.TokenCancelled && entry.Subject is not null && cancelled.Add(entry.Subject);
            int lane = lanes.Select(l => l.Name).ToList().IndexOf(entry.Task);
            var row = new List<string> { entry.Step.ToString(), $"[{colours[Math.Max(lane, 0) % colours.Length]}]{Markup.Escape(entry.Task)}[/]", what };
            foreach (string group in groups)
            {
                row.Add(flipped && entry.Subject == group ? "[darkorange bold]cancelled now[/]" : cancelled.Contains(group) ? "cancelled" : "[green]not cancelled[/]");
            }

            table.AddRow([.. row]);
        }

        Console.Write(table);
    }
}
