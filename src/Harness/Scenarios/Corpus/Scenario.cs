using TaskGroups.Harness.Targets;
using TaskGroups.Verification;

namespace TaskGroups.Harness.Scenarios;

/// <summary>A program explored under Coyote against a target.</summary>
/// <param name="Name">The name used on the command line (<c>--scenario NAME</c>).</param>
/// <param name="Invariants">The spec invariants it is built to exercise (the checker checks 1–7 on all).</param>
/// <param name="Description">One line: what it does and what it is the shape of.</param>
/// <param name="Body">The program.</param>
public sealed record Scenario(string Name, int[] Invariants, string Description, Func<CheckedContext, Task> Body)
{
    /// <summary>The scenario uses the beyond-the-seed features (options, virtual time, StartAsync, …):
    /// it runs only on an <see cref="IFeatureTarget"/>.</summary>
    public bool RequiresFeatures { get; init; }

    /// <summary>The feature rules (<see cref="FeatureRule"/>) it is built to exercise, besides its invariants.</summary>
    public IReadOnlyList<FeatureRule> FeatureRules { get; init; } = [];

    /// <summary>Whether the scenario can run on <paramref name="target"/>: every seed scenario runs on
    /// every target; a feature scenario only on a target that supports the features.</summary>
    public bool RunsOn(IGroupTarget target) => !RequiresFeatures || target is IFeatureTarget;
}
