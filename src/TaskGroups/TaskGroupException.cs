namespace TaskGroups;

/// <summary>
/// The exception a <see cref="TaskGroup"/> ends with when its body or any child failed.
/// <see cref="AggregateException.InnerExceptions"/> holds every failure, first failure first; a
/// nested group's failure appears as one inner <see cref="TaskGroupException"/>.
/// </summary>
/// <remarks>Instances are immutable and safe to share between threads.</remarks>
public sealed class TaskGroupException : AggregateException
{
    /// <summary>Creates an exception holding <paramref name="failures"/>, in order.</summary>
    /// <param name="failures">Every failure of the group; at least one.</param>
    public TaskGroupException(IEnumerable<Exception> failures)
        : base("One or more tasks of the group failed.", failures)
    {
    }
}
