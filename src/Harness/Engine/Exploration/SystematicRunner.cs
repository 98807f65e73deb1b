using Microsoft.Coyote;
using Microsoft.Coyote.Logging;
using Microsoft.Coyote.Rewriting;
using Microsoft.Coyote.SystematicTesting;

namespace TaskGroups.Harness.Exploration;

/// <summary>Which Coyote exploration strategy to use.</summary>
public enum Strategy
{
    /// <summary>Uniformly random scheduling decisions.</summary>
    Random,

    /// <summary>Probabilistic concurrency testing (priority-based, <c>WithPrioritizationStrategy</c>).</summary>
    Pct,

    /// <summary>Coyote's probabilistic strategy (<c>WithProbabilisticStrategy</c>).</summary>
    Probabilistic,

    /// <summary>Coyote's default portfolio of strategies.</summary>
    Portfolio,
}

/// <summary>The settings of one exploration.</summary>
/// <param name="Iterations">How many schedules to explore.</param>
/// <param name="Seed">Seed of Coyote's random generator: the same seed explores the same schedules.</param>
/// <param name="Strategy">The scheduling strategy.</param>
/// <param name="MaxSteps">Scheduling-step bound per schedule.</param>
public sealed record ExplorationSettings(int Iterations, uint Seed = 0, Strategy Strategy = Strategy.Random, uint MaxSteps = 2_000);

/// <summary>What one exploration found.</summary>
/// <param name="Schedules">How many schedules were explored.</param>
/// <param name="Bugs">Bug reports (Coyote assertion messages), empty when none was found.</param>
/// <param name="UncontrolledInvocations">Calls Coyote could not control; any is a failure in strict mode.</param>
/// <param name="ReproducibleTrace">The failing schedule as Coyote's JSON trace, when a bug was found.</param>
/// <param name="Elapsed">Wall-clock time of the exploration.</param>
public sealed record ExplorationResult(
    int Schedules,
    IReadOnlyList<string> Bugs,
    IReadOnlyList<string> UncontrolledInvocations,
    string? ReproducibleTrace,
    TimeSpan Elapsed)
{
    /// <summary>True when a bug was found.</summary>
    public bool FoundBug => Bugs.Count > 0;
}

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
            Strategy.Random => configuration.WithRandomStrategy(),
            Strategy.Pct => configuration.WithPrioritizationStrategy(isFair: false, priorityChangeBound: 10),
            Strategy.Probabilistic => configuration.WithProbabilisticStrategy(),
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

/// <summary>Thrown when Coyote would run on assemblies that were not rewritten: such a run reports
/// nonsense (false deadlocks, replays that reproduce a different bug), so it must not start.</summary>
public sealed class NotRewrittenException(string assemblyName)
    : InvalidOperationException($"assembly '{assemblyName}' was not rewritten for Coyote: build with 'dotnet build' (the build rewrites it) and run the rewritten output, not a copy of it");

/// <summary>An exception escaped onto a thread Coyote does not control while exploring: the process was
/// kept alive, but the crash has no schedule to replay.</summary>
public sealed class UncontrolledCrashException(Exception escaped)
    : InvalidOperationException($"an exception escaped onto an uncontrolled thread while exploring (no replayable schedule): {escaped.GetType().Name}: {escaped.Message.Split('\n')[0]}", escaped);
