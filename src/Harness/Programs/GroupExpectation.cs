namespace TaskGroups.Harness.Programs;

/// <summary>What the spec allows for one group of a program, on every schedule.</summary>
/// <param name="Statuses">The allowed statuses of the group's <c>RunAsync</c> task.</param>
/// <param name="MustFailures">Failures (planted ids) that must appear in the group's exception tree.</param>
/// <param name="MayFailures">Failures that may appear; no other may.</param>
public sealed record GroupExpectation(IReadOnlySet<TaskStatus> Statuses, IReadOnlySet<int> MustFailures, IReadOnlySet<int> MayFailures);
