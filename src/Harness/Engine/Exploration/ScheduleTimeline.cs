using TaskGroups.Harness.Checking;

namespace TaskGroups.Harness.Exploration;

/// <summary>
/// The HTML timeline of a schedule file: replays the schedule once with the timeline recorded and
/// renders it with <see cref="TimelinePage"/>. Every place that writes a failing schedule (explore,
/// properties, the systematic tests) calls <see cref="WriteNextTo"/>, so the page sits beside the file.
/// </summary>
public static class ScheduleTimeline
{
    /// <summary>Where the page for <paramref name="schedulePath"/> goes: the same name, <c>.html</c>
    /// instead of <c>.json</c>.</summary>
    public static string HtmlPathFor(string schedulePath) =>
        Path.ChangeExtension(Path.GetFullPath(schedulePath), ".html");

    /// <summary>Replays the schedule at <paramref name="schedulePath"/> and writes its page next to
    /// it; returns the page's path.</summary>
    public static string WriteNextTo(string schedulePath)
    {
        string html = HtmlPathFor(schedulePath);
        TraceFile trace = TraceFile.Read(schedulePath);
        (ExplorationResult result, Timeline? timeline) = Explorer.Replay(trace);
        Write(html, trace, schedulePath, result, timeline ?? new Timeline());
        return html;
    }

    /// <summary>Writes the page of an already replayed schedule to <paramref name="htmlPath"/>.</summary>
    public static void Write(string htmlPath, TraceFile trace, string schedulePath, ExplorationResult result, Timeline timeline)
    {
        var header = new TimelineHeader(
            $"{trace.Target} / {trace.Scenario}",
            result.FoundBug ? result.Bugs[0] : null,
            trace.Bug,
            trace.Seed,
            trace.Strategy.ToString().ToLowerInvariant(),
            Path.GetFullPath(schedulePath),
            ReplayCommand.For(schedulePath),
            trace.Program);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(htmlPath));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(htmlPath, TimelinePage.Render(timeline, header));
    }
}
