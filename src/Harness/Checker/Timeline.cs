namespace TaskGroups.Verification;

/// <summary>
/// The readable record of one run: which task did what, in order. Built from the checker's events,
/// so replaying a schedule rebuilds the same timeline. Thread-safe, without Coyote scheduling points.
/// </summary>
public sealed class Timeline
{
    private readonly SpinGate _gate = new();
    private readonly List<TimelineEntry> _entries = [];

    /// <summary>The name of the task running on this flow, set by the harness's wrappers.</summary>
    private static readonly AsyncLocal<string?> s_task = new();

    /// <summary>The current task's name (<c>main</c> outside any group).</summary>
    public static string CurrentTask => s_task.Value ?? "main";

    /// <summary>Names the task running on this flow; returns the previous name, to restore.</summary>
    public static string? SetCurrentTask(string? name)
    {
        string? previous = s_task.Value;
        s_task.Value = name;
        return previous;
    }

    /// <summary>Every entry so far.</summary>
    public IReadOnlyList<TimelineEntry> Entries
    {
        get
        {
            using (_gate.Enter())
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>Records that the current task did <paramref name="what"/>.</summary>
    public void Add(string what, TimelineEntryKind kind = TimelineEntryKind.Event)
    {
        using (_gate.Enter())
        {
            _entries.Add(new TimelineEntry(_entries.Count, CurrentTask, what, kind));
        }
    }
}
