namespace TaskGroups.Verification.Engine;

/// <summary>
/// Turns Coyote's reports that name no invariant into the violation they are. A deadlock ("Deadlock
/// detected. … is paused …") is named from the last schedule's checker, which saw what happened before
/// every task blocked (a failure whose siblings were never cancelled is invariant 6, and so on). An
/// uncontrolled invocation ("Invoking 'X' returned a task that is not intercepted and controlled …")
/// is invariant 10, with the API named first. One per exploration or replay; the same schedule gives
/// the same checker state, so a replay prints the identical line.
/// </summary>
/// <remarks>Coyote 1.7.11 reports both only as text (no exception type or error kind reaches the test),
/// so they are recognised by its fixed wording.</remarks>
public sealed class HangNamer
{
    private InvariantChecker? _last;

    /// <summary>Remembers the checker of the schedule now running (Coyote runs one at a time).</summary>
    public void Track(InvariantChecker checker) => _last = checker;

    /// <summary>The bug line to report for Coyote's <paramref name="bug"/>.</summary>
    public string Name(string bug)
    {
        if (bug.Contains("Deadlock detected", StringComparison.Ordinal) && _last?.DescribeHang() is { } hang)
        {
            return hang.ToString();
        }

        // An exception that escaped the target (or a callback it ran) comes with a stack trace: keep
        // one line — the exception and the first frame — so the bug line stays a line.
        string line = OneLine(bug);
        if (UncontrolledApi(line) is { } api)
        {
            int at = line.LastIndexOf(" (at ", StringComparison.Ordinal);
            string where = at < 0 ? string.Empty : line[at..];
            return new InvariantViolation(10, $"{api} was invoked, which Coyote does not control, so a failing schedule could not be replayed exactly{where}").ToString();
        }

        return line;
    }

    private static string OneLine(string bug)
    {
        string[] lines = bug.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length <= 1)
        {
            return bug;
        }

        string? frame = lines.Skip(1).FirstOrDefault(l => l.StartsWith("at ", StringComparison.Ordinal));
        return frame is null ? lines[0] : $"{lines[0]} ({System.Text.RegularExpressions.Regex.Replace(frame, @" in .*$", string.Empty)})";
    }

    /// <summary>The API in Coyote's "Invoking 'X' … is not intercepted and controlled" report, or null.</summary>
    private static string? UncontrolledApi(string bug)
    {
        const string Prefix = "Invoking '";
        if (!bug.StartsWith(Prefix, StringComparison.Ordinal) || !bug.Contains("not intercepted and controlled", StringComparison.Ordinal))
        {
            return null;
        }

        int end = bug.IndexOf('\'', Prefix.Length);
        return end < 0 ? null : bug[Prefix.Length..end];
    }
}
