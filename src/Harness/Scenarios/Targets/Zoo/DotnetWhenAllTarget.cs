namespace TaskGroups.Harness.Targets;

/// <summary>
/// The hand-rolled .NET pattern a task group replaces, ported as people write it:
/// <c>using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);</c>, <c>Task.Run</c> per
/// child, then <c>await Task.WhenAll(tasks)</c>. Awaiting <c>WhenAll</c> rethrows only the first
/// exception (the others stay in the task's AggregateException, unseen: invariant 5); nothing cancels
/// the siblings when one fails (invariant 6: a sibling waiting for cancellation hangs the join); and the
/// body's own exception abandons the children (invariant 1).
/// Source: https://learn.microsoft.com/dotnet/api/system.threading.tasks.task.whenall (the returned
/// task holds every exception; <c>await</c> rethrows the first) and
/// https://github.com/StephenCleary/StructuredConcurrency (the pattern task groups replace).
/// </summary>
internal sealed class DotnetWhenAllTarget : IBrokenTarget
{
    public string Name => "dotnet-whenall";

    public string Description => "hand-rolled: linked CTS + Task.Run per child + await Task.WhenAll (first exception only, no fail-fast)";

    public string Source => "https://learn.microsoft.com/dotnet/api/system.threading.tasks.task.whenall (await rethrows the first exception)";

    public string Breaks => "invariant 6 (siblings not cancelled on failure), invariant 5 (one exception surfaces)";

    public Task RunAsync(Func<IGroupScope, Task> body, ITaskGroupListener events, CancellationToken cancellationToken) =>
        new Scope(cancellationToken).RunAsync(body);

    private sealed class Scope(CancellationToken callerToken) : IGroupScope
    {
        private static long s_nextId = 3_000_000_000;
        private readonly CancellationTokenSource _cts = CancellationTokenSource.CreateLinkedTokenSource(callerToken);
        private readonly List<Task> _tasks = [];

        public long Id { get; } = Interlocked.Increment(ref s_nextId);

        public CancellationToken Token => _cts.Token;

        public Task Spawn(Func<CancellationToken, Task> work)
        {
            Task task = Task.Run(() => work(_cts.Token));
            lock (_tasks)
            {
                _tasks.Add(task);
            }

            return task;
        }

        public Task<T> Spawn<T>(Func<CancellationToken, Task<T>> work)
        {
            Task<T> task = Task.Run(() => work(_cts.Token));
            lock (_tasks)
            {
                _tasks.Add(task);
            }

            return task;
        }

        public void Cancel() => _cts.Cancel();

        public async Task RunAsync(Func<IGroupScope, Task> body)
        {
            using (_cts)
            {
                await body(this);
                int joined = 0;
                while (true)
                {
                    Task[] tasks;
                    lock (_tasks)
                    {
                        if (_tasks.Count == joined)
                        {
                            break;
                        }

                        tasks = [.. _tasks];
                    }

                    joined = tasks.Length;
                    await Task.WhenAll(tasks); // rethrows the first exception only
                }
            }
        }
    }
}
