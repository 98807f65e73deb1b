using System.Diagnostics;

namespace TaskGroups;

/// <summary>
/// Waits for up to <see cref="Capacity"/> children of one group with a single continuation
/// delegate: the same delegate is registered on each child's task, and whichever child completes
/// scans the batch and hands every completed, unclaimed child to
/// <see cref="TaskGroup.OnChildCompleted"/> exactly once.
/// </summary>
/// <remarks>
/// <para>Each registration's scan releases one participant slot of the group (<see cref="TaskGroup.Leave"/>)
/// when it ends — not the scan that happened to claim the child. So the group cannot complete while
/// any scan is still running: a scan that claimed a sibling has reported it before its own slot goes,
/// and a scan paused at a scheduling point (under Coyote) still holds the group open, so that
/// the end of a schedule never interrupts a continuation inside the library. Every registered child
/// completes, so every scan runs, so every slot is released exactly once.</para>
/// <para>Why not one continuation per child: with public APIs a continuation is a delegate, and a
/// delegate that knows its child is a closure plus a delegate — 104 bytes per child, most of what
/// TaskGroup allocated above the floor (an array and <c>Task.WhenAll</c>, whose promise is one
/// internal continuation object shared by all tasks). A batch shares one delegate and one object
/// between 16 children: about 18 bytes per child. A child may thus be accounted for by a sibling's
/// continuation, but never before its own task has completed (it is checked), and never twice
/// (the claim bit is set with a compare-and-swap).</para>
/// </remarks>
internal sealed class ChildBatch
{
    /// <summary>Children per batch: one bit each in <see cref="_claimed"/>.</summary>
    public const int Capacity = 16;

    /// <summary>The group the children belong to.</summary>
    private readonly TaskGroup _group;

    /// <summary>The children's tasks; a slot is set before its continuation is registered and
    /// cleared once claimed, so that a long-lived batch does not keep finished children alive.</summary>
    private readonly Task?[] _tasks = new Task?[Capacity];

    /// <summary>The children's ids (for failures: the body, id 0, is never batched).</summary>
    private readonly int[] _childIds = new int[Capacity];

    /// <summary>The continuation registered on every child of the batch.</summary>
    private readonly Action _scan;

    /// <summary>Slots handed out so far; past <see cref="Capacity"/> the batch is full.</summary>
    private int _reserved;

    /// <summary>Bit <c>i</c> is set once slot <c>i</c>'s child has been handed to the group.</summary>
    private int _claimed;

    public ChildBatch(TaskGroup group)
    {
        _group = group;
        _scan = Scan;
    }

    /// <summary>Adds an incomplete child, unless the batch is full. Safe from any thread.</summary>
    public bool TryAdd(Task task, int childId)
    {
        int slot = Interlocked.Increment(ref _reserved) - 1;
        if (slot >= Capacity)
        {
            return false;
        }

        _childIds[slot] = childId;
        Volatile.Write(ref _tasks[slot], task);

        // Registered after the slot is written: the scan this continuation runs sees the task.
        task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_scan);
        return true;
    }

    /// <summary>Runs on the thread that completed one of the children: claims and reports every
    /// completed child of the batch not yet reported, then releases this registration's slot.</summary>
    /// <remarks>
    /// Plain reads, on purpose: under Coyote every <c>Volatile</c> or <c>Interlocked</c> call in the
    /// rewritten library is a scheduling point, and a continuation paused at one when a schedule is
    /// torn down is interrupted on a thread-pool thread; the fewer the better (only the claim's
    /// compare-and-swap remains). They are also enough: a stale <c>_claimed</c> bit only costs a
    /// failed claim; a slot this continuation's own child wrote was published before the
    /// continuation was registered (an interlocked operation), and a sibling's slot read as null is
    /// left to that sibling's own continuation.
    /// </remarks>
    private void Scan()
    {
        for (int slot = 0; slot < Capacity; slot++)
        {
            int bit = 1 << slot;
            if ((_claimed & bit) != 0)
            {
                continue;
            }

            Task? task = _tasks[slot];
            if (task is null || !task.IsCompleted || !TryClaim(bit))
            {
                continue;
            }

            Debug.Assert(ReferenceEquals(_tasks[slot], task), "A claimed slot changed.");
            _tasks[slot] = null;
            _group.OnChildCompleted(task, _childIds[slot]);
        }

        _group.Leave();
    }

    /// <summary>Sets <paramref name="bit"/> in <see cref="_claimed"/>; true for the one caller that set it.</summary>
    private bool TryClaim(int bit)
    {
        int claimed = _claimed;
        while ((claimed & bit) == 0)
        {
            int seen = Interlocked.CompareExchange(ref _claimed, claimed | bit, claimed);
            if (seen == claimed)
            {
                return true;
            }

            claimed = seen;
        }

        return false;
    }
}
