using System.Runtime.CompilerServices;
using Xunit;

namespace TaskGroups.Systematic.Core;

/// <summary>Invariant 9 (a plain test, not under Coyote): every registration the group makes on the
/// caller's token is released exactly once, so many groups on one long-lived caller token neither keep
/// the groups alive nor grow memory. The registration's state is the group itself, so a group that did
/// not unregister stays reachable from the caller's CancellationTokenSource.</summary>
[Collection(MemoryMeasurements.Name)]
public class Invariant9BalancedBookkeepingTests
{
    private const int Groups = 2_000;

    /// <summary>Runs one group on <paramref name="token"/> (a child with a real await, a child that
    /// cancels the group, or nothing) and returns a weak reference to it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> RunOneAsync(int kind, CancellationToken token)
    {
        WeakReference? weak = null;
        await TaskGroup.RunAsync(async group =>
        {
            weak = new WeakReference(group);
            switch (kind % 3)
            {
                case 0:
                    _ = group.Spawn(async _ => await Task.Yield());
                    break;
                case 1:
                    _ = group.Spawn(async ct =>
                    {
                        await Task.Yield();
                        group.Cancel();
                        await Child.UntilCancelled(ct);
                    });
                    break;
            }

            await Task.Yield();
        }, token).WaitAsync(TimeSpan.FromSeconds(30)); // A broken group must fail this test, not hang the run.
        return weak!;
    }

    [Fact]
    public async Task Invariant9_BalancedBookkeeping_ManyGroupsOnLongLivedCallerToken_GroupsAreCollectable()
    {
        using var longLived = new CancellationTokenSource();
        var groups = new WeakReference[Groups];
        for (int i = 0; i < Groups; i++)
        {
            groups[i] = await RunOneAsync(i, longLived.Token);
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        int alive = groups.Count(g => g.IsAlive);
        Assert.True(alive <= Groups / 100, $"{alive} of {Groups} completed groups are still reachable: the caller's token still references them");
        GC.KeepAlive(longLived);
    }

    [Fact]
    public async Task Invariant9_BalancedBookkeeping_TenTimesMoreGroupsOnOneToken_MemoryDoesNotGrow()
    {
        using var longLived = new CancellationTokenSource();
        for (int i = 0; i < Groups; i++)
        {
            _ = await RunOneAsync(i, longLived.Token);
        }

        long after2k = GC.GetTotalMemory(forceFullCollection: true);
        for (int i = 0; i < 9 * Groups; i++)
        {
            _ = await RunOneAsync(i, longLived.Token);
        }

        long after20k = GC.GetTotalMemory(forceFullCollection: true);

        // A leaked registration keeps a whole group (its source, completion and registration node:
        // several hundred bytes) alive: 18,000 of them would be megabytes. 512 KB is noise headroom.
        long growth = after20k - after2k;
        Assert.True(growth < 512 * 1024, $"memory grew by {growth:N0} bytes between {Groups:N0} and {10 * Groups:N0} groups on one caller token");
        GC.KeepAlive(longLived);
    }
}

/// <summary>GC.GetTotalMemory is process-wide: these tests run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurements
{
    public const string Name = "Memory measurements (not parallel)";
}
