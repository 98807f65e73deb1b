using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace TaskGroups;

/// <summary>
/// The platform's observability for task groups: an <see cref="ActivitySource"/> and a
/// <see cref="Meter"/>, both named <c>TaskGroups</c>. A group is an activity ("TaskGroup"), each
/// child a child activity ("TaskGroup.Child"); a nested group opened inside a child is that child's
/// child, so an OpenTelemetry backend shows the task tree. A group that opens while nothing listens
/// to either pays one check and records nothing.
/// </summary>
internal static class TaskGroupTelemetry
{
    /// <summary>The name of the activity source and of the meter: <c>TaskGroups</c>.</summary>
    public const string Name = "TaskGroups";

    public static readonly ActivitySource Source = new(Name, typeof(TaskGroupTelemetry).Assembly.GetName().Version?.ToString());

    private static readonly Meter s_meter = new(Name, typeof(TaskGroupTelemetry).Assembly.GetName().Version?.ToString());

    public static readonly Counter<long> Groups = s_meter.CreateCounter<long>("taskgroups.groups", "{group}", "Task groups completed, by outcome.");

    public static readonly Counter<long> Children = s_meter.CreateCounter<long>("taskgroups.children", "{child}", "Children started.");

    public static readonly Counter<long> Failures = s_meter.CreateCounter<long>("taskgroups.failures", "{failure}", "Failures recorded by task groups.");

    public static readonly Counter<long> Cancellations = s_meter.CreateCounter<long>("taskgroups.cancellations", "{cancellation}", "Task groups whose token was cancelled, by cause.");

    public static readonly Histogram<double> Duration = s_meter.CreateHistogram<double>("taskgroups.group.duration", "s", "How long task groups ran.");

    /// <summary>Telemetry for a group that is opening, or null when nobody listens.</summary>
    public static GroupTelemetry? Open(long groupId)
    {
        bool tracing = Source.HasListeners();
        bool metering = Groups.Enabled || Children.Enabled || Failures.Enabled || Cancellations.Enabled || Duration.Enabled;
        return tracing || metering ? new GroupTelemetry(groupId, tracing) : null;
    }
}
