namespace TaskGroups;

/// <summary>
/// <see cref="TaskGroup.StartAsync{T}"/>'s handshake (Trio's <c>nursery.start</c>): the child's
/// <c>started(value)</c> completes <see cref="Started"/>'s task; until then, the child's outcome
/// belongs to <c>StartAsync</c>, not to the group.
/// </summary>
/// <typeparam name="T">The value the child reports when it has started.</typeparam>
internal sealed class StartHandshake<T>
{
    private const int Waiting = 0;
    private const int Started = 1;
    private const int FinishedFirst = 2;

    /// <summary>What <c>StartAsync</c> returns.</summary>
    private readonly TaskCompletionSource<T> _result = new();

    /// <summary><see cref="Waiting"/>, then <see cref="Started"/> or <see cref="FinishedFirst"/>, once.</summary>
    private int _state;

    public StartHandshake() => Report = OnStarted;

    /// <summary>The <c>started</c> callback handed to the child.</summary>
    public Action<T> Report { get; }

    public Task<T> Task => _result.Task;

    private void OnStarted(T value)
    {
        int previous = Interlocked.CompareExchange(ref _state, Started, Waiting);
        if (previous != Waiting)
        {
            throw new InvalidOperationException(previous == Started
                ? "TaskGroup.StartAsync: started was called twice."
                : "TaskGroup.StartAsync: started was called after the child finished.");
        }

        _result.SetResult(value);
    }

    /// <summary>The child's task finished. Returns true if <c>started</c> was called first, so the
    /// outcome is the group's; otherwise the outcome goes to <c>StartAsync</c>'s task and false is returned.</summary>
    public bool OnChildFinished(Task child)
    {
        if (Interlocked.CompareExchange(ref _state, FinishedFirst, Waiting) != Waiting)
        {
            return true;
        }

        if (child.IsFaulted)
        {
            _result.SetException(child.Exception!.InnerExceptions);
        }
        else if (child.IsCanceled)
        {
            try
            {
                child.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException oce)
            {
                _result.SetCanceled(oce.CancellationToken);
            }
        }
        else
        {
            _result.SetException(new InvalidOperationException(
                "TaskGroup.StartAsync: the child finished without calling started."));
        }

        return false;
    }
}
