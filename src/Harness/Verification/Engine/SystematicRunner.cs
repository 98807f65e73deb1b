using Microsoft.Coyote;
using Microsoft.Coyote.Logging;
using Microsoft.Coyote.Rewriting;
using Microsoft.Coyote.SystematicTesting;

namespace TaskGroups.Verification.Engine;

/// <summary>
/// Runs a test body under Coyote's systematic scheduler in strict mode: every uncontrolled
/// invocation is a bug, and a run on assemblies that were not rewritten refuses to start.
/// </summary>
public static class SystematicRunner
{
    /// <summary>Throws <see cref="NotRewrittenException"/> unless the library and the assembly of
    /// <paramref name="testAssemblyType"/> were rewritten for Coyote.</summary>
    public static void EnsureRewritten(Type testAssemblyType)
    {
        foreach (var assembly in new[] { typeof(TaskGroup).Assembly, testAssemblyType.Assembly, typeof(SystematicRunner).Assembly }.Distinct())
        {
            if (!RewritingEngine.IsAssemblyRewritten(assembly))
            {
                throw new NotRewrittenException(assembly.GetName().Name ?? assembly.FullName ?? "?");
            }
        }
    }

    /// <summary>The strict configuration shared by every exploration and replay.</summary>
    public static Configuration CreateConfiguration(ExplorationSettings settings)
    {
        Configuration configuration = Configuration.Create()
            .WithTestingIterations((uint)settings.Iterations)
            .WithRandomGeneratorSeed(settings.Seed)
            .WithMaxSchedulingSteps(settings.MaxSteps)
            .WithPartiallyControlledConcurrencyAllowed(false)
            .WithSystematicFuzzingFallbackEnabled(false)
            .WithTelemetryEnabled(false)
            .WithConsoleLoggingEnabled(false);

        return settings.Strategy switch
        {
            SchedulingStrategy.Random => configuration.WithRandomStrategy(),
            SchedulingStrategy.Pct => configuration.WithPrioritizationStrategy(isFair: false, priorityChangeBound: 10),
            SchedulingStrategy.Probabilistic => configuration.WithProbabilisticStrategy(),
            _ => configuration,
        };
    }

    /// <summary>Explores <paramref name="test"/> and reports what was found.</summary>
    /// <remarks>Cancelling <paramref name="cancellation"/> stops the engine after its current schedule.</remarks>
    public static ExplorationResult Explore(Func<Task> test, ExplorationSettings settings, Action<uint>? onIteration = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(test);
        EnsureRewritten(test.Method.DeclaringType ?? typeof(SystematicRunner));
        return Run(CreateConfiguration(settings), test, onIteration, cancellation);
    }

    /// <summary>Replays the schedule in <paramref name="reproducibleTrace"/> (Coyote's JSON trace).</summary>
    public static ExplorationResult Replay(Func<Task> test, string reproducibleTrace, uint maxSteps = 2_000)
    {
        ArgumentNullException.ThrowIfNull(test);
        EnsureRewritten(test.Method.DeclaringType ?? typeof(SystematicRunner));
        Configuration configuration = CreateConfiguration(new ExplorationSettings(1, MaxSteps: maxSteps))
            .WithReproducibleTrace(reproducibleTrace);
        return Run(configuration, test, onIteration: null);
    }

    private static ExplorationResult Run(Configuration configuration, Func<Task> test, Action<uint>? onIteration, CancellationToken cancellation = default)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var engine = TestingEngine.Create(configuration, test);
        engine.SetLogger(new MemoryLogger(VerbosityLevel.None));
        if (onIteration is not null)
        {
            engine.RegisterEndIterationCallBack(onIteration);
        }

        using (cancellation.Register(engine.Stop))
        {
            engine.Run();
        }

        TestReport report = engine.TestReport;
        int schedules = report.NumOfExploredFairPaths + report.NumOfExploredUnfairPaths;
        return new ExplorationResult(
            schedules,
            report.BugReports.ToList(),
            report.UncontrolledInvocations.ToList(),
            report.NumOfFoundBugs > 0 ? engine.ReproducibleTrace : null,
            started.Elapsed);
    }
}
