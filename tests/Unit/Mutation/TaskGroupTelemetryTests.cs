using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit.Mutation;

/// <summary>The <c>TaskGroups</c> meter's instruments, and when a group records at all: whenever any one
/// instrument is listened to when it opens, and never when nothing listened as it opened.</summary>
/// <remarks>Run alone: whether anything listens is process-wide.</remarks>
[Collection(nameof(ProcessWideCollection))]
public class TaskGroupTelemetryTests
{
    /// <summary>A failure type no other test throws.</summary>
    private sealed class OpenedUnobservedException(string message) : Exception(message);

    private static MeterListener Listen(Func<Instrument, bool> enable, ConcurrentQueue<(string Instrument, KeyValuePair<string, object?>[] Tags)> sink)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "TaskGroups" && enable(instrument))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((i, _, tags, _) => sink.Enqueue((i.Name, tags.ToArray())));
        listener.SetMeasurementEventCallback<double>((i, _, tags, _) => sink.Enqueue((i.Name, tags.ToArray())));
        listener.Start();
        return listener;
    }

    [Fact]
    public async Task Meter_Instruments_HaveTheirNamesUnitsAndDescriptions()
    {
        await TaskGroup.RunAsync(_ => Task.CompletedTask).Guard(); // the instruments exist once a group has opened
        var published = new ConcurrentDictionary<string, (string? Unit, string? Description, Type Type)>();
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == "TaskGroups")
                {
                    published[instrument.Name] = (instrument.Unit, instrument.Description, instrument.GetType());
                }
            };
            listener.Start();
        }

        Assert.Equal(5, published.Count);
        Assert.Equal(("{group}", "Task groups completed, by outcome.", typeof(Counter<long>)), published["taskgroups.groups"]);
        Assert.Equal(("{child}", "Children started.", typeof(Counter<long>)), published["taskgroups.children"]);
        Assert.Equal(("{failure}", "Failures recorded by task groups.", typeof(Counter<long>)), published["taskgroups.failures"]);
        Assert.Equal(("{cancellation}", "Task groups whose token was cancelled, by cause.", typeof(Counter<long>)), published["taskgroups.cancellations"]);
        Assert.Equal(("s", "How long task groups ran.", typeof(Histogram<double>)), published["taskgroups.group.duration"]);
    }

    [Theory]
    [InlineData("taskgroups.groups")]
    [InlineData("taskgroups.children")]
    [InlineData("taskgroups.failures")]
    [InlineData("taskgroups.cancellations")]
    [InlineData("taskgroups.group.duration")]
    public async Task Metrics_OnlyOneInstrumentListenedTo_IsStillRecorded(string name)
    {
        var seen = new ConcurrentQueue<(string Instrument, KeyValuePair<string, object?>[] Tags)>();
        using (Listen(i => i.Name == name, seen))
        {
            // A child that fails: a child started, a failure, a cancellation, a completed group and its duration.
            await AssertFaulted(TaskGroup.RunAsync(g => { _ = g.Spawn(_ => throw Boom("one instrument")); return Task.CompletedTask; }));
        }

        Assert.Contains(seen, m => m.Instrument == name);
        Assert.All(seen, m => Assert.Equal(name, m.Instrument));
    }

    [Fact]
    public async Task Metrics_GroupOpenedWhileNothingListened_RecordsNothingAfterAListenerAttaches()
    {
        using (var probe = new ActivitySource("TaskGroups"))
        {
            Assert.False(probe.HasListeners(), "precondition: no activity listener");
        }

        TaskCompletionSource opened = Signal();
        TaskCompletionSource attached = Signal();
        Task run = TaskGroup.RunAsync(async g =>
        {
            opened.SetResult();
            await attached.Task;
            _ = g.Spawn(_ => throw new OpenedUnobservedException("late"));
        });
        await opened.Task.Guard();

        var seen = new ConcurrentQueue<(string Instrument, KeyValuePair<string, object?>[] Tags)>();
        using (Listen(_ => true, seen))
        {
            attached.SetResult();
            await AssertFaulted(run);
        }

        // The child, its failure, the cancellation and the completion all happened while listened to.
        Assert.DoesNotContain(seen, m => m.Tags.Any(t => t.Key == "exception.type" && (string?)t.Value == typeof(OpenedUnobservedException).FullName));
    }
}
