namespace TaskGroups.Harness.Targets;

/// <summary>What a body and its children see of their group.</summary>
public interface IGroupScope
{
    /// <summary>The group's id, as reported in its lifecycle events.</summary>
    long Id { get; }

    /// <summary>The token of the group: what the body observes.</summary>
    CancellationToken Token { get; }

    /// <summary>Starts a child.</summary>
    Task Spawn(Func<CancellationToken, Task> work);

    /// <summary>Starts a child with a result.</summary>
    Task<T> Spawn<T>(Func<CancellationToken, Task<T>> work);

    /// <summary>Cancels every task of the group (however the target understands that).</summary>
    void Cancel();

    /// <summary>Trio's <c>cancelled_caught</c>, read after the run completed: true when the group ended
    /// successfully having cancelled itself; null when the target has no such notion (not checked).</summary>
    bool? CancellationCaught => null;
}
