using System.Globalization;
using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit.CoreV2;

/// <summary>A child's or the body's synchronous part does not leak AsyncLocal or culture changes
/// to its spawner, siblings or the caller — as an async method would not — while values still flow
/// into children.</summary>
public class ExecutionContextTests
{
    private static readonly AsyncLocal<string?> Value = new();

    [Fact]
    public async Task Context_SynchronousChildSetsAsyncLocal_BodyAndLaterSiblingsDoNotSeeIt()
    {
        string? inBody = "unset", inSibling = "unset";
        await TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(_ => { Value.Value = "child"; return Task.CompletedTask; });
            inBody = Value.Value;
            _ = g.Spawn(_ => { inSibling = Value.Value; return Task.CompletedTask; });
            return Task.CompletedTask;
        }).Guard();
        Assert.Null(inBody);
        Assert.Null(inSibling);
    }

    [Fact]
    public async Task Context_SynchronousBodySetsAsyncLocalAndCulture_CallerDoesNotSeeThem()
    {
        CultureInfo before = CultureInfo.CurrentCulture;
        var other = before.Name == "fr-FR" ? new CultureInfo("de-DE") : new CultureInfo("fr-FR");
        Task run = TaskGroup.RunAsync(g =>
        {
            Value.Value = "body";
            CultureInfo.CurrentCulture = other;
            return Task.CompletedTask;
        });
        Assert.Null(Value.Value);
        Assert.Equal(before, CultureInfo.CurrentCulture);
        await run.Guard();
    }

    [Fact]
    public async Task Context_SynchronousChildSetsCulture_SpawnerKeepsItsCulture()
    {
        CultureInfo before = CultureInfo.CurrentCulture;
        var other = before.Name == "fr-FR" ? new CultureInfo("de-DE") : new CultureInfo("fr-FR");
        CultureInfo? inBody = null;
        await TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(_ => { CultureInfo.CurrentCulture = other; return Task.CompletedTask; });
            inBody = CultureInfo.CurrentCulture;
            return Task.CompletedTask;
        }).Guard();
        Assert.Equal(before, inBody);
    }

    [Fact]
    public async Task Context_ValuesFlowIntoChildren()
    {
        Value.Value = "caller";
        string? inBody = null, inChild = null, inChildAfterAwait = null;
        try
        {
            await TaskGroup.RunAsync(g =>
            {
                inBody = Value.Value;
                Value.Value = "body";
                _ = g.Spawn(async _ =>
                {
                    inChild = Value.Value;
                    await Task.Yield();
                    inChildAfterAwait = Value.Value;
                });
                return Task.CompletedTask;
            }).Guard();
            Assert.Equal("caller", Value.Value);
        }
        finally
        {
            Value.Value = null;
        }

        Assert.Equal("caller", inBody);
        Assert.Equal("body", inChild);
        Assert.Equal("body", inChildAfterAwait);
    }

    [Fact]
    public async Task Context_SynchronousChildThrowsAfterSettingAsyncLocal_StillRestored()
    {
        string? inBody = "unset";
        Task run = TaskGroup.RunAsync(g =>
        {
            _ = g.Spawn(_ => { Value.Value = "child"; throw Boom("x"); });
            inBody = Value.Value;
            return Task.CompletedTask;
        });
        await AssertFaulted(run);
        Assert.Null(inBody);
    }
}
