using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace TaskGroups.Unit.Mutation;

/// <summary>A <see cref="FakeTimeProvider"/> that counts the timers created on it and the ones disposed,
/// so a test can check that a group arms no needless timer and releases every timer it armed.</summary>
internal sealed class CountingClock : FakeTimeProvider
{
    private int _created;
    private int _disposed;

    public int Created => Volatile.Read(ref _created);

    public int Disposed => Volatile.Read(ref _disposed);

    /// <summary>Timers created and not disposed.</summary>
    public int Live => Created - Disposed;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Interlocked.Increment(ref _created);
        return new CountedTimer(base.CreateTimer(callback, state, dueTime, period), this);
    }

    private sealed class CountedTimer(ITimer inner, CountingClock clock) : ITimer
    {
        private int _disposed;

        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(dueTime, period);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Increment(ref clock._disposed);
            }

            inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>A synchronization context that counts what is posted to it (and runs it on the thread
/// pool, so nothing hangs): the library's own continuations must never be posted to the context of
/// whoever called it (a UI thread blocked on the group would deadlock).</summary>
internal sealed class CountingContext : SynchronizationContext
{
    private int _posts;

    public int Posts => Volatile.Read(ref _posts);

    public override void Post(SendOrPostCallback d, object? state)
    {
        Interlocked.Increment(ref _posts);
        ThreadPool.UnsafeQueueUserWorkItem(static s => s.d(s.state), (d, state), preferLocal: false);
    }

    public override void Send(SendOrPostCallback d, object? state) => d(state);

    /// <summary>Runs <paramref name="action"/> with this context current on the calling thread.</summary>
    public void Run(Action action)
    {
        SynchronizationContext? previous = Current;
        SetSynchronizationContext(this);
        try
        {
            action();
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }

    /// <inheritdoc cref="Run(Action)"/>
    public T Run<T>(Func<T> action)
    {
        T result = default!;
        Run(() => { result = action(); });
        return result;
    }
}

/// <summary>Completes a test's task on a fresh thread, with no synchronization context and no task
/// scheduler current: the runtime runs a completed task's continuations inline only there (xunit's
/// test threads may have either), so the group's bookkeeping has run when the call returns.</summary>
internal static class Inline
{
    public static void Run(Action action)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                action();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }
}

/// <summary>Records every diagnostics event.</summary>
internal sealed class EventRecorder : ITaskGroupListener
{
    public ConcurrentQueue<TaskGroupEvent> Events { get; } = new();

    public void OnEvent(in TaskGroupEvent e) => Events.Enqueue(e);

    public TaskGroupEvent[] Of(TaskGroupEventKind kind, long groupId) =>
        [.. Events.Where(e => e.Kind == kind && e.GroupId == groupId)];
}
