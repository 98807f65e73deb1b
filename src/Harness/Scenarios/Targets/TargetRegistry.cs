namespace TaskGroups.Harness.Targets;

/// <summary>
/// The targets a run knows, by command-line name: the real group and the seed ports, plus whatever a
/// caller adds (the zoo's broken targets). Passed in instead of a static list.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class TargetRegistry
{
    private readonly IGroupTarget[] _targets;

    /// <summary>Creates a registry of <paramref name="targets"/>; names must be unique (case-insensitive).</summary>
    public TargetRegistry(IEnumerable<IGroupTarget> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        _targets = [.. targets];
        string? duplicate = _targets.GroupBy(t => t.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (duplicate is not null)
        {
            throw new ArgumentException($"two targets are named '{duplicate}'", nameof(targets));
        }
    }

    /// <summary>The real group first, then the two seed ports.</summary>
    public static TargetRegistry BuiltIn { get; } = new(new IGroupTarget[]
    {
        new TaskGroupTarget(),
        new SeedManualListTarget(),
        new SeedCancellableTarget(),
    });

    /// <summary>Every target, the real one first.</summary>
    public IReadOnlyList<IGroupTarget> All => _targets;

    /// <summary>The real <see cref="TaskGroup"/>.</summary>
    public static IGroupTarget Real => BuiltIn.All[0];

    /// <summary>Finds a target by name (case-insensitive), or null.</summary>
    public IGroupTarget? Find(string name) =>
        Array.Find(_targets, t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>This registry plus <paramref name="more"/>.</summary>
    public TargetRegistry With(IEnumerable<IGroupTarget> more) => new(_targets.Concat(more));
}
