namespace TaskGroups.Harness.Scenarios;

/// <summary>A program explored under Coyote against a target.</summary>
/// <param name="Name">The name used on the command line (<c>--scenario NAME</c>).</param>
/// <param name="Invariants">The spec invariants it is built to exercise (the checker checks 1–7 on all).</param>
/// <param name="Description">One line: what it does and what it is the shape of.</param>
/// <param name="Body">The program.</param>
public sealed record Scenario(string Name, int[] Invariants, string Description, Func<CheckedContext, Task> Body);
