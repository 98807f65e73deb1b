namespace TaskGroups.Harness.Targets;

/// <summary>
/// MaxConcurrency built by hand on top of an unlimited group: a counter and a queue; a finishing
/// child starts the next queued one. The two zoo variants differ in one decision each (see
/// <see cref="LimitOffByOneTarget"/>, <see cref="LimitQueueUncancelledTarget"/>).
/// </summary>
internal abstract class HandRolledLimitTarget : FeatureVariantTarget
{
    /// <summary>Whether a new child may start with <paramref name="running"/> children running.</summary>
    protected abstract bool MayStart(int running, int limit);

    /// <summary>The token a child that waited in the queue is started with.</summary>
    protected abstract CancellationToken QueuedToken(TaskGroup group, CancellationToken queueToken);

    public override Task RunAsync(Func<IFeatureScope, Task> body, TaskGroupOptions options, ITaskGroupListener events, CancellationToken cancellationToken)
    {
        if (options.MaxConcurrency is not { } limit)
        {
            return base.RunAsync(body, options, events, cancellationToken);
        }

        var unlimited = new TaskGroupOptions { Timeout = options.Timeout, FailFast = options.FailFast, TimeProvider = options.TimeProvider };
        return TaskGroup.RunAsync(group => body(new Scope(this, group, limit, cancellationToken)), unlimited, cancellationToken);
    }

    private sealed class Scope(HandRolledLimitTarget target, TaskGroup group, int limit, CancellationToken queueToken) : TaskGroupTarget.Scope(group)
    {
        private readonly object _lock = new();
        private readonly Queue<(Func<CancellationToken, Task> Work, TaskCompletionSource<Task> Started)> _queue = new();
        private int _running;

        public override Task Spawn(Func<CancellationToken, Task> work)
        {
            TaskCompletionSource<Task>? started = null;
            lock (_lock)
            {
                if (target.MayStart(_running, limit))
                {
                    _running++;
                }
                else
                {
                    started = new TaskCompletionSource<Task>();
                    _queue.Enqueue((work, started));
                }
            }

            return started is null ? Start(work, token: null) : Proxy(started.Task);
        }

        public override Task<T> Spawn<T>(Func<CancellationToken, Task<T>> work)
        {
            T result = default!;
            // A statement lambda: `async ct => result = await work(ct)` returns Task<T> and would call this
            // overload again (a stack overflow on the first Spawn<T>), not the non-generic Spawn.
            Task task = Spawn(async ct => { result = await work(ct); });
            return ResultOf(task);

            async Task<T> ResultOf(Task t)
            {
                await t;
                return result;
            }
        }

        private Task Start(Func<CancellationToken, Task> work, CancellationToken? token) =>
            Group.Spawn(async ct =>
            {
                try
                {
                    await work(token ?? ct);
                }
                finally
                {
                    Release();
                }
            });

        private void Release()
        {
            (Func<CancellationToken, Task> Work, TaskCompletionSource<Task> Started) next;
            lock (_lock)
            {
                if (!_queue.TryDequeue(out next))
                {
                    _running--;
                    return;
                }
            }

            next.Started.SetResult(Start(next.Work, target.QueuedToken(Group, queueToken)));
        }

        private static async Task Proxy(Task<Task> started) => await await started;
    }
}
