namespace TaskGroups.Harness.Programs;

/// <summary>What the spec allows for one group of a program, on every schedule.</summary>
/// <param name="Statuses">The allowed statuses of the group's <c>RunAsync</c> task.</param>
/// <param name="MustFailures">Failures (planted ids) that must appear in the group's exception tree.</param>
/// <param name="MayFailures">Failures that may appear; no other may.</param>
/// <remarks>Failure ids are planted ones (f1, f2, …) or, negated, the id of a nested group whose
/// TimeoutException reached this one (<see cref="ProgramModel.TimeoutFailure"/>).</remarks>
public sealed record GroupExpectation(IReadOnlySet<TaskStatus> Statuses, IReadOnlySet<int> MustFailures, IReadOnlySet<int> MayFailures)
{
    /// <summary>Whether the group may end Faulted with nothing but a TimeoutException (its deadline was first).</summary>
    public bool MayTimeOut { get; init; }
}
