namespace TaskGroups.Harness.Targets;

/// <summary>What a body and its children see of a group of an <see cref="IFeatureTarget"/>: the
/// seed's scope plus the beyond-the-seed members of <see cref="TaskGroup"/>.</summary>
public interface IFeatureScope : IGroupScope
{
    /// <summary>Why the token was first cancelled, in words; null while it is not.</summary>
    string? CancellationReason { get; }

    /// <summary>Cancels the group, recording <paramref name="reason"/> if it is the first cause.</summary>
    void Cancel(string? reason);

    /// <summary>Cancels the group quietly after <paramref name="delay"/> on its clock.</summary>
    void CancelAfter(TimeSpan delay);

    /// <summary>Trio's <c>nursery.start</c>: a child whose value (or early failure) comes out of the returned task.</summary>
    Task<T> StartAsync<T>(Func<Action<T>, CancellationToken, Task> work);

    /// <summary>Runs cleanup shielded from the group's cancellation for at most <paramref name="gracePeriod"/>.</summary>
    Task ShieldAsync(Func<CancellationToken, Task> cleanup, TimeSpan gracePeriod);
}
