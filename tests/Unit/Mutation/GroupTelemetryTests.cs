using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Time.Testing;
using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit.Mutation;

/// <summary>What one group records through the <c>TaskGroups</c> activity source and meter: its
/// activity's tags, status and events, its children's activities, and the tags of its measurements.</summary>
/// <remarks>Run alone (listeners are process-wide): every measurement seen here is this class's own.</remarks>
[Collection(nameof(ProcessWideCollection))]
public class GroupTelemetryTests
{
    /// <summary>A failure type no other test throws.</summary>
    private sealed class TelemetryProbeException(string message) : Exception(message);

    /// <summary>A failure whose <see cref="Message"/> throws.</summary>
    private sealed class MessageThrowsException : Exception
    {
        public override string Message => throw new InvalidOperationException("no message for you");
    }

    /// <summary>A context that never runs what is posted to it (a blocked UI thread).</summary>
    private sealed class NeverRunsContext : SynchronizationContext
    {
        public int Posted;

        public override void Post(SendOrPostCallback d, object? state) => Interlocked.Increment(ref Posted);

        public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException();
    }

    /// <summary>Records the activities of one test's trace (a root activity of its own source).</summary>
    private sealed class Trace : IDisposable
    {
        private readonly ActivitySource _root = new("test." + Guid.NewGuid().ToString("N"));
        private readonly ActivityListener _listener;
        private readonly ConcurrentQueue<Activity> _stopped = new();

        public Trace()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = s => s.Name == "TaskGroups" || s == _root,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _stopped.Enqueue,
            };
            ActivitySource.AddActivityListener(_listener);
            Test = _root.StartActivity("test")!;
        }

        public Activity Test { get; }

        public Activity[] Spans(string operation) =>
            [.. _stopped.Where(a => a.TraceId == Test.TraceId && a.OperationName == operation)];

        /// <summary>Waits (bounded) until <paramref name="count"/> activities of <paramref name="operation"/> have stopped.</summary>
        public async Task<Activity[]> Stopped(string operation, int count, TimeSpan? bound = null)
        {
            var watch = Stopwatch.StartNew();
            while (Spans(operation).Length < count)
            {
                Assert.True(watch.Elapsed < (bound ?? TestSupport.Timeout), $"{count} {operation} activities did not stop.");
                await Task.Delay(5);
            }

            return Spans(operation);
        }

        public void Dispose()
        {
            Test.Stop();
            _listener.Dispose();
            _root.Dispose();
        }
    }

    /// <summary>Records the measurements of the <c>TaskGroups</c> meter.</summary>
    private sealed class Measurements : IDisposable
    {
        private readonly MeterListener _listener = new();

        public Measurements()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "TaskGroups")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => All.Enqueue((i.Name, v, tags.ToArray())));
            _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => All.Enqueue((i.Name, v, tags.ToArray())));
            _listener.Start();
        }

        public ConcurrentQueue<(string Instrument, double Value, KeyValuePair<string, object?>[] Tags)> All { get; } = new();

        public object?[] TagValues(string instrument, string key) =>
            [.. All.Where(m => m.Instrument == instrument).SelectMany(m => m.Tags).Where(t => t.Key == key).Select(t => t.Value)];

        public void Dispose() => _listener.Dispose();
    }

    private static object? Tag(ActivityEvent e, string key) => e.Tags.Single(t => t.Key == key).Value;

    [Fact]
    public async Task Tracing_GroupActivity_CarriesTheGroupId_AndIsCurrentInTheBody_ChildActivityInTheChild()
    {
        long id = 0;
        Activity? inBody = null, inChild = null;
        using var trace = new Trace();
        await TaskGroup.RunAsync(g =>
        {
            id = g.Id;
            inBody = Activity.Current;
            _ = g.Spawn(_ => { inChild = Activity.Current; return Task.CompletedTask; });
            return Task.CompletedTask;
        }).Guard();
        Assert.Same(trace.Test, Activity.Current);

        Activity group = Assert.Single(await trace.Stopped("TaskGroup", 1));
        Activity child = Assert.Single(await trace.Stopped("TaskGroup.Child", 1));
        Assert.Equal(id, group.GetTagItem("taskgroups.group.id"));
        Assert.Same(group, inBody);
        Assert.Same(child, inChild);
        Assert.Equal(group.SpanId, child.ParentSpanId);
        Assert.Equal(1, child.GetTagItem("taskgroups.child.id"));
    }

    [Fact]
    public async Task Tracing_Children_CarryTheirIdsStatusesAndExceptionEvents()
    {
        using var trace = new Trace();
        await AssertFaulted(TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(async _ => await Task.Yield());
            _ = g.Spawn(ct => Forever(ct));
            _ = g.Spawn(async _ => { await Task.Yield(); throw new IOException("disk full"); });
            return Task.CompletedTask;
        }));

        Activity[] children = await trace.Stopped("TaskGroup.Child", 3);
        Activity Child(int id) => children.Single(c => (int)c.GetTagItem("taskgroups.child.id")! == id);

        Assert.Equal(ActivityStatusCode.Ok, Child(1).Status);
        Assert.Equal("RanToCompletion", Child(1).GetTagItem("taskgroups.child.status"));
        Assert.Empty(Child(1).Events);

        Assert.Equal(ActivityStatusCode.Unset, Child(2).Status);
        Assert.Equal("Canceled", Child(2).GetTagItem("taskgroups.child.status"));

        Activity failed = Child(3);
        Assert.Equal(ActivityStatusCode.Error, failed.Status);
        Assert.Equal("IOException", failed.StatusDescription);
        ActivityEvent exception = Assert.Single(failed.Events);
        Assert.Equal("exception", exception.Name);
        Assert.Equal("System.IO.IOException", Tag(exception, "exception.type"));
        Assert.Equal("disk full", Tag(exception, "exception.message"));

        Activity group = Assert.Single(await trace.Stopped("TaskGroup", 1));
        Assert.Equal("Faulted", group.GetTagItem("taskgroups.outcome"));
        Assert.Equal(ActivityStatusCode.Error, group.Status);
        ActivityEvent recorded = Assert.Single(group.Events, e => e.Name == "exception");
        Assert.Equal("System.IO.IOException", Tag(recorded, "exception.type"));
        Assert.Equal("disk full", Tag(recorded, "exception.message"));
    }

    [Fact]
    public async Task Tracing_FailureWhoseMessageThrows_IsRecordedWithAPlaceholderMessage()
    {
        using var trace = new Trace();
        await AssertFaulted(TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(_ => throw new MessageThrowsException());
            return Task.CompletedTask;
        }));

        Activity child = Assert.Single(await trace.Stopped("TaskGroup.Child", 1));
        Activity group = Assert.Single(await trace.Stopped("TaskGroup", 1));
        foreach (ActivityEvent e in new[] { Assert.Single(child.Events), Assert.Single(group.Events, e => e.Name == "exception") })
        {
            Assert.Equal(typeof(MessageThrowsException).FullName, Tag(e, "exception.type"));
            Assert.Equal("(its Message threw)", Tag(e, "exception.message"));
        }
    }

    [Fact]
    public async Task Tracing_SucceededGroup_HasOkStatus()
    {
        using var trace = new Trace();
        await TaskGroup.RunAsync(g => { _ = g.Spawn(async _ => await Task.Yield()); return Task.CompletedTask; }).Guard();

        Activity group = Assert.Single(await trace.Stopped("TaskGroup", 1));
        Assert.Equal(ActivityStatusCode.Ok, group.Status);
        Assert.Equal("RanToCompletion", group.GetTagItem("taskgroups.outcome"));
    }

    [Fact]
    public async Task Tracing_DeadlineElapsed_GroupIsTimedOutWithErrorStatus()
    {
        var clock = new FakeTimeProvider();
        using var trace = new Trace();
        Task run = TaskGroup.RunAsync(
            g => { _ = g.Spawn(ct => Forever(ct)); return Task.CompletedTask; },
            new TaskGroupOptions { Timeout = TimeSpan.FromSeconds(1), TimeProvider = clock });
        clock.Advance(TimeSpan.FromSeconds(2));
        await Assert.ThrowsAsync<TimeoutException>(() => run.Guard());

        Activity group = Assert.Single(await trace.Stopped("TaskGroup", 1));
        Assert.Equal("TimedOut", group.GetTagItem("taskgroups.outcome"));
        Assert.Equal(ActivityStatusCode.Error, group.Status);
        Assert.Equal("Deadline", group.GetTagItem("taskgroups.cancel.cause"));
    }

    [Fact]
    public async Task Tracing_CancelWithReason_IsTaggedAndACancelEventCarriesTheReason()
    {
        using var trace = new Trace();
        await TaskGroup.RunAsync(g => { _ = g.Spawn(ct => Forever(ct)); g.Cancel("enough for today"); return Task.CompletedTask; }).Guard();

        Activity group = Assert.Single(await trace.Stopped("TaskGroup", 1));
        Assert.Equal("Cancel", group.GetTagItem("taskgroups.cancel.cause"));
        Assert.Equal("enough for today", group.GetTagItem("taskgroups.cancel.reason"));
        ActivityEvent cancel = Assert.Single(group.Events);
        Assert.Equal("taskgroups.cancel", cancel.Name);
        Assert.Equal("enough for today", Tag(cancel, "taskgroups.cancel.reason"));
    }

    [Fact]
    public async Task Tracing_ChildCompletingLater_EndsItsActivity_WithoutPostingToTheSpawnersSynchronizationContext()
    {
        var context = new NeverRunsContext();
        TaskCompletionSource gate = Signal();
        using var trace = new Trace();
        Task run;
        SynchronizationContext? saved = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(context);
        try
        {
            run = TaskGroup.RunAsync(g => { _ = g.Spawn(_ => gate.Task); return Task.CompletedTask; });
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(saved);
        }

        gate.SetResult();
        await run.Guard();

        Activity child = Assert.Single(await trace.Stopped("TaskGroup.Child", 1, TimeSpan.FromSeconds(5)));
        Assert.Equal(ActivityStatusCode.Ok, child.Status);
        Assert.Equal(0, Volatile.Read(ref context.Posted));
    }

    [Fact]
    public async Task Metrics_Failure_IsCountedWithItsExceptionType()
    {
        using var measurements = new Measurements();
        await AssertFaulted(TaskGroup.RunAsync(g => { _ = g.Spawn(_ => throw new TelemetryProbeException("probe")); return Task.CompletedTask; }));

        Assert.Contains(typeof(TelemetryProbeException).FullName, measurements.TagValues("taskgroups.failures", "exception.type"));
    }

    [Fact]
    public async Task Metrics_Cancellations_AreCountedWithTheirCause()
    {
        using var measurements = new Measurements();
        await TaskGroup.RunAsync(g => { g.Cancel(); return Task.CompletedTask; }).Guard();
        await AssertFaulted(TaskGroup.RunAsync(g => { _ = g.Spawn(_ => throw Boom("cause")); return Task.CompletedTask; }));

        object?[] causes = measurements.TagValues("taskgroups.cancellations", "taskgroups.cancel.cause");
        Assert.Contains("Cancel", causes);
        Assert.Contains("Failure", causes);
    }

    [Fact]
    public async Task Metrics_CompletedGroupsAndTheirDurations_AreTaggedWithTheOutcome()
    {
        using var measurements = new Measurements();
        await TaskGroup.RunAsync(_ => Task.CompletedTask).Guard();
        await AssertFaulted(TaskGroup.RunAsync(g => { _ = g.Spawn(_ => throw Boom("outcome")); return Task.CompletedTask; }));

        foreach (string instrument in new[] { "taskgroups.groups", "taskgroups.group.duration" })
        {
            object?[] outcomes = measurements.TagValues(instrument, "taskgroups.outcome");
            Assert.Contains("RanToCompletion", outcomes);
            Assert.Contains("Faulted", outcomes);
        }
    }
}
