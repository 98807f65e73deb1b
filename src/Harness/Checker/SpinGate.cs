namespace TaskGroups.Verification;

/// <summary>
/// Mutual exclusion for the harness's bookkeeping that is deliberately NOT a Coyote scheduling point:
/// Coyote rewrites <c>lock</c> (Monitor) and atomic operations into scheduling points, which would
/// add harness noise (and cost) to the explored schedules. Under Coyote only one task runs at a time and these sections
/// contain no scheduling point, so the gate never spins; on real threads it is an ordinary spin lock
/// around a few dictionary operations.
/// </summary>
/// <remarks>Lives in an assembly that is never rewritten, so Coyote neither intercepts its
/// <see cref="Interlocked"/> calls nor reports them as uncontrolled.</remarks>
public sealed class SpinGate
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

    public readonly ref struct Held(SpinGate gate)
    {
        public void Dispose() => Volatile.Write(ref gate._held, 0);
    }
}
