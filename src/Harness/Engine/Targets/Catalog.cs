namespace TaskGroups.Harness.Targets;

/// <summary>Every target the harness knows, by command-line name.</summary>
public static class TargetCatalog
{
    /// <summary>All targets, the real one first.</summary>
    public static IReadOnlyList<IGroupTarget> All { get; } =
    [
        new TaskGroupTarget(),
        new SeedManualListTarget(),
        new SeedCancellableTarget(),
    ];

    /// <summary>Finds a target by name (case-insensitive), or null.</summary>
    public static IGroupTarget? Find(string name) =>
        All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));
}
