namespace TaskGroups.Harness.Targets;

/// <summary>Every target the harness knows, by command-line name.</summary>
public static class TargetCatalog
{
    /// <summary>All targets, the real one first, then the clean reference, then the broken ones (the zoo).</summary>
    public static IReadOnlyList<IGroupTarget> All { get; } =
    [
        new TaskGroupTarget(),
        new MiniReferenceTarget(),
        new SeedManualListTarget(),
        new SeedCancellableTarget(),
        new CPythonGh155433Target(),
        new CPythonGh116720Target(),
        new CPythonGh155418Target(),
        new CPythonGh128588Target(),
        new CPythonShuttingDownTarget(),
        new AnyioGh1214Target(),
        new AnyioStartLeaksCancelTarget(),
        new NitoOceIgnoredTarget(),
        new KotlinCancellationIsNormalTarget(),
        new GoErrgroupFirstErrorTarget(),
        new DotnetWhenAllTarget(),
        new LeakedCallerRegistrationTarget(),
        new RegistrationFailureLostTarget(),
        new SpawnAfterCompletionRunsTarget(),
        new CancelDeferredTarget(),
        new CancellationCaughtOutsideTarget(),
    ];

    /// <summary>The deliberately broken targets (the zoo), in catalog order.</summary>
    public static IReadOnlyList<IBrokenTarget> Broken { get; } = [.. All.OfType<IBrokenTarget>()];

    /// <summary>The targets that must stay clean: the library and the zoo's unflawed reference.</summary>
    public static IReadOnlyList<IGroupTarget> Clean { get; } = [.. All.Where(t => t is not IBrokenTarget)];

    /// <summary>Finds a target by name (case-insensitive), or null.</summary>
    public static IGroupTarget? Find(string name) =>
        All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));
}
