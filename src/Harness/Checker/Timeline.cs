namespace TaskGroups.Verification;

/// <summary>
/// The readable record of one run: which task did what, in order, and the role of every task. Built
/// from the checker's events, so replaying a schedule rebuilds the same timeline. Thread-safe,
/// without Coyote scheduling points.
/// </summary>
public sealed class Timeline
{
    private readonly SpinGate _gate = new();
    private readonly List<TimelineEntry> _entries = [];
    private readonly Dictionary<string, string> _roles = [];

    /// <summary>Set by the first violation: Coyote stops the schedule there, but tasks it no longer
    /// controls may still record a step or two, which would make two replays differ.</summary>
    private bool _stopped;

    /// <summary>The name of the task running on this flow, set by the harness's wrappers.</summary>
    private static readonly AsyncLocal<string?> s_task = new();

    /// <summary>The name of the flow that runs a scenario before any group or named task.</summary>
    public const string MainTask = "main";

    /// <summary>The current task's name (<see cref="MainTask"/> outside any group).</summary>
    public static string CurrentTask => s_task.Value ?? MainTask;

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

    /// <summary>
    /// Every task that did something or was spawned, in the order it first appeared, each with its
    /// role (as described with <see cref="Describe"/>, or inferred from its name).
    /// </summary>
    public IReadOnlyList<TimelineLane> Lanes
    {
        get
        {
            using (_gate.Enter())
            {
                var lanes = new List<TimelineLane>();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (TimelineEntry e in _entries)
                {
                    // A spawn's subject is a task; other subjects (a group's token) are not lanes.
                    foreach (string? name in new[] { e.Task, e.Kind == TimelineEntryKind.Spawned ? e.Subject : null })
                    {
                        if (name is not null && seen.Add(name))
                        {
                            lanes.Add(new TimelineLane(name, _roles.TryGetValue(name, out string? role) ? role : InferRole(name)));
                        }
                    }
                }

                return lanes;
            }
        }
    }

    /// <summary>Records that the current task did <paramref name="what"/>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0027:API with optional parameter(s) should have the most parameters amongst its public overloads",
        Justification = "The overloads differ in a required parameter (the task's name first), so no call is ambiguous; both are the first version's API.")]
    public void Add(string what, TimelineEntryKind kind = TimelineEntryKind.Event, string? subject = null)
    {
        Append(CurrentTask, what, kind, subject);
    }

    /// <summary>Records that the task <paramref name="task"/> did <paramref name="what"/> (an event
    /// about a task, whichever flow reported it).</summary>
    public void Add(string task, string what, TimelineEntryKind kind)
    {
        Append(task, what, kind, subject: null);
    }

    private void Append(string task, string what, TimelineEntryKind kind, string? subject)
    {
        using (_gate.Enter())
        {
            if (_stopped && kind != TimelineEntryKind.Violation)
            {
                return;
            }

            _stopped |= kind == TimelineEntryKind.Violation;
            _entries.Add(new TimelineEntry(_entries.Count, task, what, kind, subject));
        }
    }

    /// <summary>Says what the task <paramref name="name"/> is (the first description wins).</summary>
    public void Describe(string name, string role)
    {
        using (_gate.Enter())
        {
            _roles.TryAdd(name, role);
        }
    }

    private static string InferRole(string name)
    {
        if (name == MainTask)
        {
            return "the scenario: runs the groups and awaits them";
        }

        int slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            string group = name[..slash], task = name[(slash + 1)..];
            return task == "body" ? $"body of {group}" : $"{task} of {group}";
        }

        return "started by the scenario, outside any group";
    }
}
