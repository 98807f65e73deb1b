using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit.Observability;

/// <summary>The task tree exported through OpenTelemetry's in-memory exporter: a group is an
/// activity, each child a child activity, a nested group a grandchild; metrics count groups,
/// children, failures and cancellations.</summary>
[Collection(nameof(OpenTelemetryTests))] // listeners are process-wide: not in parallel with itself
public class OpenTelemetryTests
{
    [Fact]
    public async Task Tracing_NestedGroup_ExportsTheTaskTree()
    {
        var spans = new List<Activity>();
        string marker = Guid.NewGuid().ToString("N");
        ActivityTraceId traceId = default;
        using (TracerProvider provider = Sdk.CreateTracerProviderBuilder().AddSource("TaskGroups").AddInMemoryExporter(spans).Build())
        {
            using var root = new ActivitySource("test." + marker);
            using var listener = new ActivityListener { ShouldListenTo = s => s.Name == root.Name, Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded };
            ActivitySource.AddActivityListener(listener);
            using (Activity? test = root.StartActivity("test"))
            {
                traceId = test!.TraceId;
                await TaskGroup.RunAsync(g =>
                {
                    _ = g.Spawn(async _ => await Task.Yield());
                    _ = g.Spawn(ct => TaskGroup.RunAsync(inner =>
                    {
                        _ = inner.Spawn(async innerCt => await Task.Yield());
                        return Task.CompletedTask;
                    }, ct));
                    return Task.CompletedTask;
                }).Guard();
                Assert.Same(test, Activity.Current); // the group never became the caller's current activity
            }

            provider.ForceFlush();
        }

        // Other test classes run groups in parallel while the provider listens: keep this test's trace.
        spans = [.. spans.Where(s => s.TraceId == traceId)];
        Activity[] groups = spans.Where(s => s.OperationName == "TaskGroup").ToArray();
        Activity[] children = spans.Where(s => s.OperationName == "TaskGroup.Child").ToArray();
        Assert.Equal(2, groups.Length);
        Assert.Equal(3, children.Length);
        Activity outer = groups.Single(g => children.All(c => c.SpanId != g.ParentSpanId));
        Activity inner = groups.Single(g => g != outer);
        Assert.Equal(2, children.Count(c => c.ParentSpanId == outer.SpanId));
        Activity nestingChild = children.Single(c => c.SpanId == inner.ParentSpanId);
        Assert.Equal(outer.SpanId, nestingChild.ParentSpanId);
        Assert.Single(children, c => c.ParentSpanId == inner.SpanId);
        Assert.All(groups, g => Assert.Equal("RanToCompletion", g.GetTagItem("taskgroups.outcome")));
        Assert.All(spans, s => Assert.Equal(outer.TraceId, s.TraceId));
    }

    [Fact]
    public async Task Tracing_FailureAndCancellation_AreTagsAndEvents()
    {
        var spans = new List<Activity>();
        ActivityTraceId traceId;
        using (TracerProvider provider = Sdk.CreateTracerProviderBuilder().AddSource("TaskGroups").AddInMemoryExporter(spans).Build())
        {
            using var root = new ActivitySource("test." + Guid.NewGuid().ToString("N"));
            using var listener = new ActivityListener { ShouldListenTo = s => s.Name == root.Name, Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded };
            ActivitySource.AddActivityListener(listener);
            using (Activity test = root.StartActivity("test")!)
            {
                traceId = test.TraceId;
                await AssertFaulted(TaskGroup.RunAsync(g =>
                {
                    _ = g.Spawn(ct => Forever(ct));
                    _ = g.Spawn(async _ => { await Task.Yield(); throw new IOException("disk full"); });
                    return Task.CompletedTask;
                }));
            }

            provider.ForceFlush();
        }

        spans = [.. spans.Where(s => s.TraceId == traceId)];

        Activity group = spans.Single(s => s.OperationName == "TaskGroup");
        Assert.Equal(ActivityStatusCode.Error, group.Status);
        Assert.Equal("Faulted", group.GetTagItem("taskgroups.outcome"));
        Assert.Equal("Failure", group.GetTagItem("taskgroups.cancel.cause"));
        Assert.Equal("child 2 failed: IOException: disk full", group.GetTagItem("taskgroups.cancel.reason"));
        Assert.Contains(group.Events, e => e.Name == "exception");
        Activity failed = spans.Single(s => s.OperationName == "TaskGroup.Child" && s.Status == ActivityStatusCode.Error);
        Assert.Equal("Faulted", failed.GetTagItem("taskgroups.child.status"));
        Assert.Contains(spans, s => s.OperationName == "TaskGroup.Child" && (string?)s.GetTagItem("taskgroups.child.status") == "Canceled");
    }

    [Fact]
    public async Task Metrics_CountGroupsChildrenFailuresAndCancellations()
    {
        var metrics = new List<Metric>();
        using (MeterProvider provider = Sdk.CreateMeterProviderBuilder().AddMeter("TaskGroups").AddInMemoryExporter(metrics).Build())
        {
            await TaskGroup.RunAsync(g =>
            {
                for (int i = 0; i < 5; i++)
                {
                    _ = g.Spawn(async _ => await Task.Yield());
                }

                g.Cancel();
                return Task.CompletedTask;
            }).Guard();
            await AssertFaulted(TaskGroup.RunAsync(g => { _ = g.Spawn(_ => throw Boom("x")); return Task.CompletedTask; }));
            provider.ForceFlush();
        }

        Assert.True(Sum(metrics, "taskgroups.groups") >= 2);
        Assert.True(Sum(metrics, "taskgroups.children") >= 6);
        Assert.True(Sum(metrics, "taskgroups.failures") >= 1);
        Assert.True(Sum(metrics, "taskgroups.cancellations") >= 2);
        Assert.Contains(metrics, m => m.Name == "taskgroups.group.duration");
    }

    private static long Sum(List<Metric> metrics, string name)
    {
        long total = 0;
        foreach (Metric metric in metrics.Where(m => m.Name == name))
        {
            foreach (ref readonly MetricPoint point in metric.GetMetricPoints())
            {
                total += point.GetSumLong();
            }
        }

        return total;
    }
}
