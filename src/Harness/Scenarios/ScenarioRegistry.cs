namespace TaskGroups.Harness.Scenarios;

/// <summary>
/// The scenarios a run knows, by command-line name. Passed to whatever explores or replays them
/// (the CLI, the contract suite, the zoo) instead of a static list, so that a caller can add its own.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class ScenarioRegistry
{
    private readonly Scenario[] _scenarios;

    /// <summary>Creates a registry of <paramref name="scenarios"/>; names must be unique (case-insensitive).</summary>
    public ScenarioRegistry(IEnumerable<Scenario> scenarios)
    {
        ArgumentNullException.ThrowIfNull(scenarios);
        _scenarios = [.. scenarios];
        string? duplicate = _scenarios.GroupBy(s => s.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (duplicate is not null)
        {
            throw new ArgumentException($"two scenarios are named '{duplicate}'", nameof(scenarios));
        }
    }

    /// <summary>The built-in corpus (seed programs, one or more per invariant, known bug shapes), then the
    /// beyond-the-seed feature scenarios (<see cref="Scenario.RequiresFeatures"/>).</summary>
    public static ScenarioRegistry BuiltIn { get; } = new([.. BuiltInScenarios.All, .. FeatureScenarios.All]);

    /// <summary>Every scenario, in the order <c>list</c> shows them.</summary>
    public IReadOnlyList<Scenario> All => _scenarios;

    /// <summary>Finds a scenario by name (case-insensitive), or null.</summary>
    public Scenario? Find(string name) =>
        Array.Find(_scenarios, s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The scenarios that can run on <paramref name="target"/> (<see cref="Scenario.RunsOn"/>), in order.</summary>
    public IReadOnlyList<Scenario> For(Targets.IGroupTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return [.. _scenarios.Where(s => s.RunsOn(target))];
    }

    /// <summary>This registry plus <paramref name="more"/>.</summary>
    public ScenarioRegistry With(IEnumerable<Scenario> more) => new(_scenarios.Concat(more));
}
