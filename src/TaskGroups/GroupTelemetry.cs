using System.Diagnostics;

namespace TaskGroups;

/// <summary>One group's activity and measurements (see <see cref="TaskGroupTelemetry"/>); exists
/// only while someone listens.</summary>
internal sealed class GroupTelemetry
{
    /// <summary>The group's activity; null when only metrics are collected (or sampling dropped it).</summary>
    private readonly Activity? _activity;

    /// <summary>When the group opened, for the duration histogram.</summary>
    private readonly long _started = Stopwatch.GetTimestamp();

    public GroupTelemetry(long groupId, bool tracing)
    {
        if (!tracing)
        {
            return;
        }

        // Started without becoming Activity.Current for the caller: only the body and the children
        // run with it as their current activity (inside their execution-context scope).
        Activity? previous = Activity.Current;
        _activity = TaskGroupTelemetry.Source.CreateActivity("TaskGroup", ActivityKind.Internal);
        if (_activity is not null)
        {
            _activity.SetTag("taskgroups.group.id", groupId);
            _activity.Start();
            Activity.Current = previous;
        }
    }

    /// <summary>Makes the body's or a child's activity current for its synchronous part (the
    /// caller's execution-context scope undoes it afterwards); returns the child's activity.</summary>
    public Activity? Enter(int childId)
    {
        if (childId == 0)
        {
            if (_activity is not null)
            {
                Activity.Current = _activity;
            }

            return null;
        }

        TaskGroupTelemetry.Children.Add(1);
        if (_activity is null)
        {
            return null;
        }

        Activity? child = TaskGroupTelemetry.Source.CreateActivity("TaskGroup.Child", ActivityKind.Internal, _activity.Context);
        if (child is not null)
        {
            child.SetTag("taskgroups.child.id", childId);
            child.Start(); // becomes Activity.Current for the child
        }

        return child;
    }

    /// <summary>Ends a child's activity when its task completes.</summary>
    public static void Track(Activity child, Task task)
    {
        if (task.IsCompleted)
        {
            Stop(child, task);
        }
        else
        {
            task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(() => Stop(child, task));
        }
    }

    private static void Stop(Activity child, Task task)
    {
        child.SetTag("taskgroups.child.status", task.Status.ToString());
        if (task.IsFaulted)
        {
            Exception first = task.Exception!.InnerExceptions[0];
            child.SetStatus(ActivityStatusCode.Error, first.GetType().Name);
            child.AddEvent(ExceptionEvent(first));
        }
        else if (!task.IsCanceled)
        {
            child.SetStatus(ActivityStatusCode.Ok);
        }

        child.Stop();
    }

    public void OnFailure(Exception exception)
    {
        TaskGroupTelemetry.Failures.Add(1, new KeyValuePair<string, object?>("exception.type", exception.GetType().FullName));
        _activity?.AddEvent(ExceptionEvent(exception));
    }

    public void OnCancelled(TaskGroupCancelCause cause, string? reason)
    {
        TaskGroupTelemetry.Cancellations.Add(1, new KeyValuePair<string, object?>("taskgroups.cancel.cause", cause.ToString()));
        if (_activity is not null)
        {
            _activity.SetTag("taskgroups.cancel.cause", cause.ToString());
            _activity.SetTag("taskgroups.cancel.reason", reason);
            _activity.AddEvent(new ActivityEvent("taskgroups.cancel", tags: new ActivityTagsCollection { ["taskgroups.cancel.reason"] = reason }));
        }
    }

    /// <summary>The group completed: ends its activity and records its outcome and duration.</summary>
    public void Complete(string outcome)
    {
        var tag = new KeyValuePair<string, object?>("taskgroups.outcome", outcome);
        TaskGroupTelemetry.Groups.Add(1, tag);
        TaskGroupTelemetry.Duration.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds, tag);
        if (_activity is not null)
        {
            _activity.SetTag("taskgroups.outcome", outcome);
            _activity.SetStatus(outcome is "Faulted" or "TimedOut" ? ActivityStatusCode.Error : ActivityStatusCode.Ok);
            _activity.Stop();
        }
    }

    private static ActivityEvent ExceptionEvent(Exception exception) =>
        new("exception", tags: new ActivityTagsCollection
        {
            ["exception.type"] = exception.GetType().FullName,
            ["exception.message"] = SafeMessage(exception),
        });

    private static string SafeMessage(Exception exception)
    {
        try
        {
            return exception.Message;
        }
        catch (Exception)
        {
            return "(its Message threw)";
        }
    }
}
