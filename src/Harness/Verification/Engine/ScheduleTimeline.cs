namespace TaskGroups.Verification.Engine;

/// <summary>
/// The HTML timeline of a schedule file, written next to it (same name, <c>.html</c>). Whoever finds a
/// failing schedule (explore, properties, the systematic tests) replays it once with a timeline and
/// calls <see cref="Write"/>; <c>replay --html</c> does the same for any file.
/// </summary>
public static class ScheduleTimeline
{
    /// <summary>Where the page for <paramref name="schedulePath"/> goes: the same name, <c>.html</c>
    /// instead of <c>.json</c>.</summary>
    public static string HtmlPathFor(string schedulePath) =>
        Path.ChangeExtension(Path.GetFullPath(schedulePath), ".html");

    /// <summary>Replays <paramref name="schedule"/> (at <paramref name="schedulePath"/>) with
    /// <paramref name="replay"/>, which returns what happened and the timeline it recorded, and
    /// writes the page next to the file; returns the page's path.</summary>
    public static string WriteNextTo(string schedulePath, ScheduleFile schedule, Func<ScheduleFile, (ExplorationResult Result, Timeline? Timeline)> replay)
    {
        ArgumentNullException.ThrowIfNull(replay);
        (ExplorationResult result, Timeline? timeline) = replay(schedule);
        string html = HtmlPathFor(schedulePath);
        Write(html, schedule, schedulePath, result, timeline ?? new Timeline());
        return html;
    }

    /// <summary>Writes the page of an already replayed schedule to <paramref name="htmlPath"/>.</summary>
    /// <param name="htmlPath">Where to write the page.</param>
    /// <param name="schedule">The schedule file's contents.</param>
    /// <param name="schedulePath">Where the schedule file is.</param>
    /// <param name="result">What the replay found.</param>
    /// <param name="timeline">What the replay recorded.</param>
    /// <param name="replayCommand">The command shown on top; by default the harness CLI's <c>replay</c>.</param>
    public static void Write(string htmlPath, ScheduleFile schedule, string schedulePath, ExplorationResult result, Timeline timeline, string? replayCommand = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(result);
        var header = new TimelineHeader(
            $"{schedule.Target} / {schedule.Scenario}",
            result.FoundBug ? result.Bugs[0] : null,
            schedule.Bug,
            schedule.Seed,
            schedule.Strategy.ToString().ToLowerInvariant(),
            Path.GetFullPath(schedulePath),
            replayCommand ?? ReplayCommand.For(schedulePath),
            schedule.Program);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(htmlPath));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(htmlPath, TimelinePage.Render(timeline, header));
    }
}
