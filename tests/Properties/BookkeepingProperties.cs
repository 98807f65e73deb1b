using System.Runtime.CompilerServices;
using FsCheck.Xunit;
using Xunit;

namespace TaskGroups.Properties;

/// <summary>
/// Invariant 9 (balanced bookkeeping) over generated mixes of children: whatever the children do,
/// a group run on a long-lived caller token releases its registration on that token, so once the
/// group has completed nothing on the token keeps it alive.
/// </summary>
[Collection(nameof(BookkeepingProperties))] // forces garbage collections: not in parallel with itself
public class BookkeepingProperties
{
    /// <summary>The caller's token of every group here: never cancelled, never disposed, like a
    /// host's shutdown token.</summary>
    private static readonly CancellationTokenSource s_longLived = new();

    /// <summary>Each byte is a child: <c>b % 3</c> picks succeed / fail / cancel the group, and
    /// <c>b / 3 % 4</c> the number of yields first. FsCheck shrinks the array.</summary>
    [Property(MaxTest = 200)]
    public bool BalancedBookkeeping_Meets_Specification(byte[] children)
    {
        WeakReference group = RunOnLongLivedToken(children);

        // The thread that completed the group may still be unwinding frames that hold it for a
        // moment after RunAsync's task completed; a leaked registration holds it for ever.
        for (int attempt = 0; attempt < 200 && group.IsAlive; attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            if (group.IsAlive)
            {
                Thread.Sleep(5);
            }
        }

        return !group.IsAlive;
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // no reference to the group may outlive this frame
    private static WeakReference RunOnLongLivedToken(byte[] children)
    {
        TaskGroup? captured = null;
        Task run = TaskGroup.RunAsync(group =>
        {
            captured = group;
            foreach (byte b in children)
            {
                int yields = b / 3 % 4;
                _ = (b % 3) switch
                {
                    0 => group.Spawn(async _ => await Steps(yields)),
                    1 => group.Spawn(async _ =>
                    {
                        await Steps(yields);
                        throw new InvalidOperationException("planted failure");
                    }),
                    _ => group.Spawn(async _ =>
                    {
                        await Steps(yields);
                        group.Cancel();
                    }),
                };
            }

            return Task.CompletedTask;
        }, s_longLived.Token);

        Assert.True(((IAsyncResult)run).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30)), "the group did not complete");
        return new WeakReference(captured);
    }

    private static async Task Steps(int yields)
    {
        for (int i = 0; i < yields; i++)
        {
            await Task.Yield();
        }
    }
}
