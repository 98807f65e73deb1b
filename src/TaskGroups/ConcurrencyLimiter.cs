using System.Diagnostics;

namespace TaskGroups;

/// <summary>
/// <see cref="TaskGroupOptions.MaxConcurrency"/>: counts running children and queues the rest in
/// spawn order. A finishing child hands its slot straight to the next queued one, so the number
/// running never exceeds the limit and never drops below it while children wait.
/// </summary>
/// <remarks>
/// Queued children are started by one thread at a time, the <em>drainer</em>: when slots free on
/// several threads at once, the others hand their slot to the drainer instead of starting a child
/// themselves. Otherwise two threads could dequeue children 3 and 4 in order and then invoke 4
/// before 3 — the stress run on the real thread pool saw exactly that.
/// </remarks>
internal sealed class ConcurrencyLimiter(int limit)
{
    /// <summary>Guards every field; no user code runs under it.</summary>
    private readonly object _lock = new();

    /// <summary>Slots held: children started and not finished, plus <see cref="_handedOver"/>. Never
    /// above <see cref="Limit"/>.</summary>
    private int _running;

    /// <summary>Slots freed while a drainer was starting children, waiting for it to pass them on.</summary>
    private int _handedOver;

    /// <summary>Whether a thread is starting queued children now (see the remarks).</summary>
    private bool _draining;

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

    /// <summary>A child holding a slot finished. Returns the oldest queued child for the caller to
    /// start — the caller is then the drainer and must call <see cref="Next"/> after starting it — or
    /// null: the slot was freed, or handed to the drainer already at work.</summary>
    public QueuedChild? Release()
    {
        lock (_lock)
        {
            AssertInvariants();
            if (_queue.Count == 0)
            {
                _running--;
                return null;
            }

            if (_draining)
            {
                _handedOver++; // the drainer passes it on, in order
                return null;
            }

            _draining = true;
            return _queue.Dequeue(); // the slot changes hands: _running is unchanged
        }
    }

    /// <summary>The drainer started a child; <paramref name="finished"/> says it already finished (its
    /// slot is free again). Returns the next queued child to start with a free slot, or null: the
    /// drainer's work is done and the unused slots are freed.</summary>
    public QueuedChild? Next(bool finished)
    {
        lock (_lock)
        {
            Debug.Assert(_draining, "Next() outside a drain");
            if (finished)
            {
                _handedOver++;
            }

            if (_handedOver > 0 && _queue.TryDequeue(out QueuedChild? next))
            {
                _handedOver--;
                return next;
            }

            _running -= _handedOver;
            _handedOver = 0;
            _draining = false;
            AssertInvariants();
            return null;
        }
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(Monitor.IsEntered(_lock));
        Debug.Assert(_running >= 0 && _running <= Limit, "running children outside [0, limit]");
        Debug.Assert(_handedOver >= 0 && _handedOver <= _running, "more slots handed over than held");
        Debug.Assert(_draining || _handedOver == 0, "slots handed over with nobody to pass them on");
        Debug.Assert(_queue.Count == 0 || _running == Limit, "children wait although a slot is free");
    }
}
