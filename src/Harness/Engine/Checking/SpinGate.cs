namespace TaskGroups.Harness.Checking;

/// <summary>
/// Mutual exclusion for the checker's bookkeeping that is deliberately NOT a Coyote scheduling point:
/// Coyote rewrites <c>lock</c> (Monitor) into a scheduling point, which would let the scheduler
/// interleave other tasks between an event being raised and being recorded, and would add harness
/// noise to the explored schedules. Under Coyote only one task runs at a time and these sections
/// contain no scheduling point, so the gate never spins; on real threads it is an ordinary spin lock
/// around a few dictionary operations.
/// </summary>
/// <remarks>Built on <see cref="Interlocked"/>, which Coyote leaves alone unless atomic-operation race
/// checking is on (it is not); <c>System.Threading.SpinLock</c> would be an uncontrolled invocation.</remarks>
internal sealed class SpinGate
{
    private int _held;

    public Held Enter()
    {
        var spinner = default(SpinWait);
        while (Interlocked.CompareExchange(ref _held, 1, 0) != 0)
        {
            spinner.SpinOnce(); // real threads only: under Coyote the gate is never contended
        }

        return new Held(this);
    }

    internal readonly ref struct Held(SpinGate gate)
    {
        public void Dispose() => Volatile.Write(ref gate._held, 0);
    }
}
