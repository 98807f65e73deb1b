namespace TaskGroups.Verification.Engine;

/// <summary>
/// Turns Coyote's deadlock report ("Deadlock detected. … is paused …"), which names no invariant, into
/// the violation the hang is — from the last schedule's checker, which saw what happened before every
/// task blocked (a failure whose siblings were never cancelled is invariant 6, and so on). One per
/// exploration or replay; the same schedule gives the same checker state, so a replay prints the
/// identical line.
/// </summary>
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
        string[] lines = bug.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length <= 1)
        {
            return bug;
        }

        string? frame = lines.Skip(1).FirstOrDefault(l => l.StartsWith("at ", StringComparison.Ordinal));
        return frame is null ? lines[0] : $"{lines[0]} ({System.Text.RegularExpressions.Regex.Replace(frame, @" in .*$", string.Empty)})";
    }
}
