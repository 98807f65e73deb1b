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
    /// <param name="test">The test body.</param>
    /// <param name="settings">The exploration's settings.</param>
    /// <param name="onIteration">Called after each schedule.</param>
    /// <param name="nameBug">Rewrites Coyote's bug report (a deadlock into the invariant it breaks).</param>
    public static ExplorationResult Explore(Func<Task> test, ExplorationSettings settings, Action<uint>? onIteration = null, Func<string, string>? nameBug = null)
    {
        ArgumentNullException.ThrowIfNull(test);
        EnsureRewritten(test.Method.DeclaringType ?? typeof(SystematicRunner));
        return Run(CreateConfiguration(settings), test, onIteration, nameBug);
    }

    /// <summary>Replays the schedule in <paramref name="reproducibleTrace"/> (Coyote's JSON trace).</summary>
    /// <param name="test">The test body.</param>
    /// <param name="reproducibleTrace">Coyote's JSON trace.</param>
    /// <param name="maxSteps">The scheduling-step bound.</param>
    /// <param name="nameBug">Rewrites Coyote's bug report, as the exploration did.</param>
    public static ExplorationResult Replay(Func<Task> test, string reproducibleTrace, uint maxSteps = 2_000, Func<string, string>? nameBug = null)
    {
        ArgumentNullException.ThrowIfNull(test);
        EnsureRewritten(test.Method.DeclaringType ?? typeof(SystematicRunner));
        Configuration configuration = CreateConfiguration(new ExplorationSettings(1, MaxSteps: maxSteps))
            .WithReproducibleTrace(reproducibleTrace);
        return Run(configuration, test, onIteration: null, nameBug);
    }

    private static ExplorationResult Run(Configuration configuration, Func<Task> test, Action<uint>? onIteration, Func<string, string>? nameBug)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var engine = TestingEngine.Create(configuration, test);
        engine.SetLogger(new MemoryLogger(VerbosityLevel.None));
        if (onIteration is not null)
        {
            engine.RegisterEndIterationCallBack(onIteration);
        }

        using (CrashContainment.Enter())
        {
            engine.Run();
        }

        if (CrashContainment.TakeEscaped() is { } escaped && engine.TestReport.NumOfFoundBugs == 0)
        {
            // Escaped onto an uncontrolled thread: Coyote has no schedule for it, so it cannot be
            // reported as a replayable bug. Say so in one line (the CLI exits 3) instead of dying.
            throw new UncontrolledCrashException(escaped);
        }

        TestReport report = engine.TestReport;
        int schedules = report.NumOfExploredFairPaths + report.NumOfExploredUnfairPaths;
        return new ExplorationResult(
            schedules,
            report.BugReports.Select(b => nameBug?.Invoke(b) ?? b).ToList(),
            report.UncontrolledInvocations.ToList(),
            report.NumOfFoundBugs > 0 ? engine.ReproducibleTrace : null,
            started.Elapsed);
    }
}
