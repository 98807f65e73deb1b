namespace TaskGroups.Harness.Targets;

/// <summary>
/// The zoo: every deliberately broken target (the seed ports and the ports of documented bug classes,
/// docs/zoo.md), the compact reference group they are built on, and a registry of all targets —
/// <see cref="TargetRegistry.BuiltIn"/> plus these — for the CLI, the contract suite and replay.
/// </summary>
public static class ZooTargets
{
    /// <summary>The zoo's unflawed base group: must pass every scenario, like the library.</summary>
    public static IGroupTarget Reference { get; } = new MiniReferenceTarget();

    /// <summary>The ports of documented bug classes (the seed ports are built in).</summary>
    private static IReadOnlyList<IBrokenTarget> Ports { get; } =
    [
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

        // The beyond-the-seed features, each built the way a hand-rolled implementation plausibly is
        // (src/Harness/Scenarios/Targets/Zoo/Features): caught only by the feature scenarios.
        new DeadlineAbsorbsCallerCancelTarget(),
        new CancelAfterTimesOutTarget(),
        new LimitOffByOneTarget(),
        new LimitQueueUncancelledTarget(),
        new SupervisorFailsFastTarget(),
        new SupervisorDropsFailuresTarget(),
        new StartFailureToGroupTarget(),
        new ReasonLastWinsTarget(),
        new ShieldNotAwaitedTarget(),
    ];

    /// <summary>Every target: the built-in ones (real group first, seed ports), the reference, the ports.</summary>
    public static TargetRegistry Registry { get; } = TargetRegistry.BuiltIn.With([Reference, .. Ports]);

    /// <summary>Every broken target, in registry order (the seed ports first).</summary>
    public static IReadOnlyList<IBrokenTarget> Broken { get; } = [.. Registry.All.OfType<IBrokenTarget>()];

    /// <summary>The targets that must stay clean: the library and the reference.</summary>
    public static IReadOnlyList<IGroupTarget> Clean { get; } = [.. Registry.All.Where(t => t is not IBrokenTarget)];
}
