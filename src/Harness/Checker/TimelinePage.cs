using System.Net;
using System.Text;

namespace TaskGroups.Verification;

/// <summary>
/// Renders a timeline as one self-contained HTML page (inline CSS, no script, nothing fetched):
/// the bug line, seed and replay command on top; one column ("lane") per task, labelled with its
/// role; one row per step; spawns and completions as marks; cancellation requests, the moments a
/// token really became cancelled and the violation highlighted; and one column per group showing
/// whether its token is cancelled at each step.
/// </summary>
/// <remarks>
/// The DOM is part of the contract (build/check-html.sh asserts on it): lanes are
/// <c>th.lane[data-lane][data-role]</c>, rows are <c>tr.step[data-step][data-task][data-mark]</c>,
/// the first violation row has <c>id="violation"</c>, the bug line <c>id="bug"</c>.
/// </remarks>
public static class TimelinePage
{
    /// <summary>The page for <paramref name="timeline"/> under <paramref name="header"/>.</summary>
    public static string Render(Timeline timeline, TimelineHeader header)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        ArgumentNullException.ThrowIfNull(header);
        IReadOnlyList<TimelineEntry> entries = timeline.Entries;
        IReadOnlyList<TimelineLane> lanes = timeline.Lanes;
        List<string> groups = [.. entries.Where(e => e.Kind == TimelineEntryKind.Opened).Select(e => GroupOf(e.What)).Distinct()];

        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(E(header.Bug ?? "no bug: " + header.Title)).Append("</title>\n<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");

        WriteHeader(html, header, entries.Count, lanes.Count);
        WriteLegend(html);
        WriteTable(html, entries, lanes, groups);
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static void WriteHeader(StringBuilder html, TimelineHeader header, int steps, int tasks)
    {
        html.Append("<header id=\"summary\">\n");
        if (header.Bug is not null)
        {
            html.Append("<p id=\"bug\" class=\"bug\">bug: ").Append(E(header.Bug)).Append("</p>\n");
        }
        else
        {
            html.Append("<p id=\"no-bug\" class=\"nobug\">no bug: this schedule did not reproduce the recorded bug</p>\n");
        }

        html.Append("<dl>\n");
        Row(html, "ran", header.Title);
        Row(html, "seed", header.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture) + " (" + header.Strategy + ")");
        if (header.Bug != header.RecordedBug)
        {
            Row(html, "recorded bug", header.RecordedBug);
        }

        if (header.Program is not null)
        {
            Row(html, "program", header.Program, code: true);
        }

        Row(html, "schedule", header.SchedulePath, code: true);
        Row(html, "replay", header.ReplayCommand, code: true, id: "command");
        Row(html, "timeline", $"{steps} steps, {tasks} tasks");
        html.Append("</dl>\n</header>\n");
    }

    private static void Row(StringBuilder html, string term, string value, bool code = false, string? id = null)
    {
        html.Append("<dt>").Append(E(term)).Append("</dt><dd").Append(id is null ? string.Empty : $" id=\"{id}\"").Append('>')
            .Append(code ? "<code>" : string.Empty).Append(E(value)).Append(code ? "</code>" : string.Empty).Append("</dd>\n");
    }

    private static void WriteLegend(StringBuilder html) => html.Append(
        "<p id=\"legend\"><span class=\"chip m-spawned\">&#9656; spawn</span> <span class=\"chip m-started\">&#9679; start</span> "
        + "<span class=\"chip m-ended\">&#9632; end</span> <span class=\"chip m-cancelcalled\">Cancel() called</span> "
        + "<span class=\"chip m-cancelrequested\">cancel requested</span> <span class=\"chip m-tokencancelled\">token cancelled</span> "
        + "<span class=\"chip m-failure\">failure</span> <span class=\"chip m-violation\">violation</span> "
        + "<span class=\"chip alive\">task alive</span></p>\n");

    private static void WriteTable(StringBuilder html, IReadOnlyList<TimelineEntry> entries, IReadOnlyList<TimelineLane> lanes, List<string> groups)
    {
        // A lane is alive from its first entry (or its spawn) until its code ended.
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        var last = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (TimelineEntry e in entries)
        {
            first.TryAdd(e.Task, e.Step);
            if (e.Kind == TimelineEntryKind.Spawned && e.Subject is not null)
            {
                first.TryAdd(e.Subject, e.Step);
            }

            if (e.Kind == TimelineEntryKind.Ended)
            {
                last[e.Task] = e.Step;
            }
        }

        html.Append("<div class=\"scroll\"><table id=\"timeline\">\n<thead><tr><th class=\"step-no\">step</th>");
        foreach (TimelineLane lane in lanes)
        {
            html.Append("<th class=\"lane").Append(IsHelper(lane) ? " helper" : string.Empty).Append("\" data-lane=\"").Append(E(lane.Name))
                .Append("\" data-role=\"").Append(E(lane.Role)).Append("\"><span class=\"name\">").Append(E(lane.Name))
                .Append("</span><span class=\"role\">").Append(E(lane.Role)).Append("</span></th>");
        }

        foreach (string group in groups)
        {
            html.Append("<th class=\"token\" data-group=\"").Append(E(group)).Append("\"><span class=\"name\">").Append(E(group))
                .Append(" token</span><span class=\"role\">cancelled yet?</span></th>");
        }

        html.Append("</tr></thead>\n<tbody>\n");
        var cancelled = new HashSet<string>(StringComparer.Ordinal);
        bool violationSeen = false;
        foreach (TimelineEntry e in entries)
        {
            string mark = e.Kind.ToString().ToLowerInvariant();
            bool firstViolation = e.Kind == TimelineEntryKind.Violation && !violationSeen;
            violationSeen |= firstViolation;
            html.Append("<tr class=\"step").Append(firstViolation || e.Kind == TimelineEntryKind.Violation ? " violation" : string.Empty).Append("\" data-step=\"").Append(e.Step).Append("\" data-task=\"").Append(E(e.Task))
                .Append("\" data-mark=\"").Append(mark).Append('"').Append(firstViolation ? " id=\"violation\"" : string.Empty).Append('>')
                .Append("<td class=\"step-no\">").Append(e.Step).Append("</td>");
            foreach (TimelineLane lane in lanes)
            {
                bool alive = first.TryGetValue(lane.Name, out int from) && from <= e.Step
                    && (!last.TryGetValue(lane.Name, out int to) || e.Step <= to);
                if (lane.Name == e.Task)
                {
                    html.Append("<td class=\"act m-").Append(mark).Append("\"><span class=\"glyph\">").Append(Glyph(e.Kind)).Append("</span>")
                        .Append(e.Kind == TimelineEntryKind.Violation ? "VIOLATION " : string.Empty).Append(E(e.What)).Append("</td>");
                }
                else if (e.Kind == TimelineEntryKind.Spawned && lane.Name == e.Subject)
                {
                    html.Append("<td class=\"subject alive\">&#9656; spawned by ").Append(E(e.Task)).Append("</td>");
                }
                else
                {
                    html.Append(alive ? "<td class=\"alive\"></td>" : "<td></td>");
                }
            }

            foreach (string group in groups)
            {
                bool flips = e.Kind == TimelineEntryKind.TokenCancelled && e.Subject == group && cancelled.Add(group);
                bool isCancelled = cancelled.Contains(group);
                html.Append("<td class=\"token ").Append(isCancelled ? "cancelled" : "uncancelled").Append(flips ? " flip" : string.Empty)
                    .Append("\" data-group=\"").Append(E(group)).Append("\">").Append(flips ? "cancelled now" : isCancelled ? "cancelled" : "not cancelled").Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody>\n</table></div>\n");
    }

    private static bool IsHelper(TimelineLane lane) => lane.Role.Contains("helper", StringComparison.Ordinal);

    /// <summary>The group name an Opened entry is about (its first word: <c>g1 opened</c>).</summary>
    private static string GroupOf(string what) => what.Split(' ', 2)[0];

    private static string Glyph(TimelineEntryKind mark) => mark switch
    {
        TimelineEntryKind.Spawned => "&#9656; ",
        TimelineEntryKind.Started => "&#9679; ",
        TimelineEntryKind.Ended or TimelineEntryKind.Completed => "&#9632; ",
        TimelineEntryKind.CancelCalled or TimelineEntryKind.CancelRequested or TimelineEntryKind.CancelReturned => "&#10006; ",
        TimelineEntryKind.TokenCancelled => "&#9889; ",
        TimelineEntryKind.Failure => "&#9888; ",
        TimelineEntryKind.Violation => "&#9888; ",
        _ => string.Empty,
    };

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private const string Style = """
        body { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 16px; color: #1f2328; background: #fff; }
        code { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; }
        #summary { border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 12px; margin-bottom: 10px; }
        .bug { font-weight: 600; color: #a40e26; background: #ffebe9; border-left: 4px solid #cf222e; padding: 6px 8px; margin: 0 0 8px; }
        .nobug { font-weight: 600; color: #1a7f37; margin: 0 0 8px; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
        dt { color: #57606a; } dd { margin: 0; word-break: break-all; }
        #legend { margin: 6px 0 10px; }
        .chip { display: inline-block; padding: 1px 6px; border-radius: 10px; border: 1px solid #d0d7de; margin-right: 4px; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; }
        th, td { border: 1px solid #eaeef2; padding: 2px 6px; vertical-align: top; text-align: left; }
        th { background: #f6f8fa; position: sticky; top: 0; min-width: 130px; max-width: 220px; }
        th .name { display: block; font-weight: 600; } th .role { display: block; font-weight: 400; color: #57606a; font-size: 11px; }
        th.helper { background: #fff8c5; } th.step-no, td.step-no { min-width: 28px; color: #57606a; text-align: right; }
        td { max-width: 220px; }
        td.alive { background: linear-gradient(#8c959f, #8c959f) center / 2px 100% no-repeat; }
        td.subject { background: linear-gradient(#8c959f, #8c959f) center / 2px 100% no-repeat, #dafbe1; }
        .m-opened, .m-started { background: #ddf4ff; }
        tr.violation td:not(.act) { background-color: #fff0ef; }
        td.act.m-note { background: #f6f8fa; font-style: italic; }
        td.act.m-violation { background: #ffcecb; }
        .m-spawned { background: #dafbe1; } .m-started { background: #ddf4ff; } .m-ended, .m-completed { background: #eaeef2; }
        .m-cancelcalled, .m-cancelrequested, .m-cancelreturned { background: #fff8c5; }
        .m-tokencancelled { background: #ffd8b5; }
        .m-failure { background: #ffebe9; }
        .m-violation { background: #ffcecb; font-weight: 600; color: #82071e; }
        tr.violation td { border-top: 2px solid #cf222e; border-bottom: 2px solid #cf222e; }
        td.token { min-width: 90px; font-size: 11px; } td.uncancelled { color: #1a7f37; } td.cancelled { color: #bc4c00; background: #fff1e5; }
        td.flip { font-weight: 700; background: #ffd8b5; }
        .glyph { color: #57606a; }
        """;
}
