namespace TaskGroups;

/// <summary>
/// <see cref="TaskGroupOptions.MaxConcurrency"/>: counts running children and queues the rest in
/// spawn order. A finishing child hands its slot straight to the next queued one, so the number
/// running never exceeds the limit and never drops below it while children wait.
/// </summary>
internal sealed class ConcurrencyLimiter(int limit)
{
    /// <summary>Guards <see cref="_running"/> and <see cref="_queue"/>; no user code runs under it.</summary>
    private readonly object _lock = new();

    /// <summary>Children holding a slot: started and not finished. Never above <see cref="Limit"/>.</summary>
    private int _running;

    /// <summary>Children waiting for a slot, oldest first.</summary>
    private readonly Queue<QueuedChild> _queue = new();

    public int Limit { get; } = limit;

    /// <summary>Takes a slot for a new child, or queues the child <paramref name="create"/> makes.
    /// Returns null when the child may start now.</summary>
    public QueuedChild? StartOrEnqueue<TState>(Func<TState, QueuedChild> create, TState state)
    {
        lock (_lock)
        {
            AssertInvariants();
            if (_running < Limit && _queue.Count == 0)
            {
                _running++;
                return null;
            }

            QueuedChild queued = create(state);
            _queue.Enqueue(queued);
            return queued;
        }
    }

    /// <summary>A child holding a slot finished: the slot passes to the oldest queued child, which
    /// is returned for the caller to start; or it is freed, and null is returned.</summary>
    public QueuedChild? Release()
    {
        lock (_lock)
        {
            AssertInvariants();
            if (_queue.TryDequeue(out QueuedChild? next))
            {
                return next; // the slot changes hands: _running is unchanged
            }

            _running--;
            return null;
        }
    }

    [System.Diagnostics.Conditional("DEBUG")]
    private void AssertInvariants()
    {
        System.Diagnostics.Debug.Assert(Monitor.IsEntered(_lock));
        System.Diagnostics.Debug.Assert(_running >= 0 && _running <= Limit, "running children outside [0, limit]");
        System.Diagnostics.Debug.Assert(_queue.Count == 0 || _running == Limit, "children wait although a slot is free");
    }
}
