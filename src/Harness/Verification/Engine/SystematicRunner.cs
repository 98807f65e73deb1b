using Microsoft.Coyote;
using Microsoft.Coyote.Logging;
using Microsoft.Coyote.Rewriting;
using Microsoft.Coyote.SystematicTesting;

namespace TaskGroups.Verification.Engine;

/// <summary>
/// Runs a test body under Coyote's systematic scheduler in strict mode: every uncontrolled
/// invocation is a bug, and a run on assemblies that were not rewritten refuses to start.
/// </summary>
public static partial class SystematicRunner
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
    /// <param name="test">The test body.</param>
    /// <param name="settings">The exploration's settings.</param>
    /// <param name="onIteration">Called after each schedule.</param>
    /// <param name="cancellation">Stops the engine after its current schedule.</param>
    /// <param name="nameBug">Rewrites Coyote's bug report (a deadlock into the invariant it breaks).</param>
    public static ExplorationResult Explore(Func<Task> test, ExplorationSettings settings, Action<uint>? onIteration = null, CancellationToken cancellation = default, Func<string, string>? nameBug = null)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(settings);
        EnsureRewritten(test.Method.DeclaringType ?? typeof(SystematicRunner));
        return Run(CreateConfiguration(settings), test, onIteration, replaySteps: null, cancellation, nameBug).Result with { Seed = settings.Seed };
    }

    /// <summary>
    /// Explores <paramref name="test"/> on <paramref name="parallelism"/> engines at once: engine
    /// <c>w</c> of <c>P</c> explores its share of the schedules with seed <c>seed + w</c>. The result is
    /// the one of the lowest-numbered engine that found a bug (or the sum when none did), so the same
    /// seed and parallelism always report the same schedule, whatever the timing. With a parallelism
    /// of 1 it is exactly <see cref="Explore"/>.
    /// </summary>
    public static ExplorationResult ExploreParallel(Func<Task> test, ExplorationSettings settings, int parallelism, Action<int>? onProgress = null, Func<string, string>? nameBug = null)
    {
        ArgumentNullException.ThrowIfNull(test);
        return ExploreEachEngine(_ => (test, nameBug), settings, parallelism, onProgress);
    }

    /// <summary>
    /// <see cref="ExploreParallel(Func{Task}, ExplorationSettings, int, Action{int}?, Func{string, string}?)"/>
    /// with a test (and bug namer) made for each engine by <paramref name="engineTest"/> (called with the
    /// engine's number): state a test keeps about the schedule running on it, such as a
    /// <see cref="HangNamer"/>, must not be shared between engines that run at once.
    /// </summary>
    public static ExplorationResult ExploreEachEngine(Func<int, (Func<Task> Test, Func<string, string>? NameBug)> engineTest, ExplorationSettings settings, int parallelism, Action<int>? onProgress = null)
    {
        ArgumentNullException.ThrowIfNull(engineTest);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parallelism);
        int engines = Math.Min(parallelism, settings.Iterations);
        if (engines <= 1)
        {
            int done = 0;
            (Func<Task> only, Func<string, string>? onlyName) = engineTest(0);
            return Explore(only, settings, onProgress is null ? null : _ => onProgress(Interlocked.Increment(ref done)), nameBug: onlyName);
        }

        var tests = new (Func<Task> Test, Func<string, string>? NameBug)[engines];
        for (int w = 0; w < engines; w++)
        {
            tests[w] = engineTest(w);
        }

        EnsureRewritten(tests[0].Test.Method.DeclaringType ?? typeof(SystematicRunner));
        var started = System.Diagnostics.Stopwatch.StartNew();
        var results = new ExplorationResult[engines];
        int progress = 0;
        var threads = new Thread[engines];
        Exception? failure = null;
        for (int w = 0; w < engines; w++)
        {
            int worker = w;
            int share = (settings.Iterations / engines) + (worker < settings.Iterations % engines ? 1 : 0);
            ExplorationSettings mine = settings with { Iterations = share, Seed = unchecked(settings.Seed + (uint)worker) };

            // Plain threads, not the thread pool: each engine blocks its thread for the whole run, and
            // Coyote's own workers must not starve behind them.
            threads[w] = new Thread(() =>
            {
                try
                {
                    results[worker] = Run(CreateConfiguration(mine), tests[worker].Test, onProgress is null ? null : _ => onProgress(Interlocked.Increment(ref progress)), replaySteps: null, nameBug: tests[worker].NameBug).Result with { Seed = mine.Seed };
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                }
            }) { IsBackground = true, Name = $"taskgroups-engine-{worker}" };
            threads[w].Start();
        }

        foreach (Thread t in threads)
        {
            t.Join();
        }

        if (failure is not null)
        {
            throw new InvalidOperationException($"an exploration engine failed: {failure.Message}", failure);
        }

        ExplorationResult? buggy = Array.Find(results, r => r.FoundBug);
        IReadOnlyList<string> uncontrolled = [.. results.SelectMany(r => r.UncontrolledInvocations).Distinct()];
        if (buggy is not null)
        {
            return buggy with { Schedules = results.Sum(r => r.Schedules), UncontrolledInvocations = uncontrolled, Elapsed = started.Elapsed };
        }

        return new ExplorationResult(results.Sum(r => r.Schedules), [], uncontrolled, null, started.Elapsed) { Seed = settings.Seed };
    }

    /// <summary>Replays the schedule in <paramref name="reproducibleTrace"/> (Coyote's JSON trace).</summary>
    public static ExplorationResult Replay(Func<Task> test, string reproducibleTrace, uint maxSteps = 2_000, Func<string, string>? nameBug = null) =>
        ReplayChecked(test, reproducibleTrace, maxSteps, nameBug).Result;

    /// <summary>
    /// Replays the schedule in <paramref name="reproducibleTrace"/> and says whether the run followed
    /// it to the end: <see cref="ReplayRun.DivergedAtStep"/> is the first recorded step the code did
    /// not take (Coyote asked for a choice the schedule does not have, or took another one), or the
    /// step count when the run stopped with recorded steps left over.
    /// </summary>
    public static ReplayRun ReplayChecked(Func<Task> test, string reproducibleTrace, uint maxSteps = 2_000, Func<string, string>? nameBug = null)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(reproducibleTrace);
        EnsureRewritten(test.Method.DeclaringType ?? typeof(SystematicRunner));
        string[] recorded = System.Text.Json.Nodes.JsonNode.Parse(reproducibleTrace)?["Steps"] is System.Text.Json.Nodes.JsonArray steps
            ? [.. steps.Select(s => s?.GetValue<string>() ?? string.Empty)]
            : [];
        Configuration configuration = CreateConfiguration(new ExplorationSettings(1, MaxSteps: maxSteps))
            .WithReproducibleTrace(reproducibleTrace);
        return Run(configuration, test, onIteration: null, replaySteps: recorded, nameBug: nameBug);
    }

    private static ReplayRun Run(Configuration configuration, Func<Task> test, Action<uint>? onIteration, string[]? replaySteps, CancellationToken cancellation = default, Func<string, string>? nameBug = null)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var engine = TestingEngine.Create(configuration, test);
        engine.SetLogger(new MemoryLogger(VerbosityLevel.None));
        if (onIteration is not null)
        {
            engine.RegisterEndIterationCallBack(onIteration);
        }

        using (cancellation.Register(engine.Stop))
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
        var result = new ExplorationResult(
            schedules,
            // One line: an unhandled exception's report goes on with its stack trace, and a bug line must
            // stay one line that a replay prints identically.
            report.BugReports.Select(b => FirstLine(nameBug?.Invoke(b) ?? b)).ToList(),
            report.UncontrolledInvocations.ToList(),
            report.NumOfFoundBugs > 0 ? engine.ReproducibleTrace : null,
            started.Elapsed);
        if (replaySteps is null)
        {
            return new ReplayRun(result, DivergedAtStep: null, Detail: null);
        }

        (int? diverged, string? detail) = ReplayDivergence.Of(engine, replaySteps, result);
        return new ReplayRun(result, diverged, detail);
    }

    /// <summary>The report up to its stack trace, on one line (an assertion's expected/actual lines
    /// kept), with the run-specific task id of an uncontrolled-invocation report left out.</summary>
    private static string FirstLine(string text) =>
        UncontrolledTaskId().Replace(
            string.Join(' ', text.Split('\n')
                .Select(l => l.Trim())
                .TakeWhile(l => !l.StartsWith("at ", StringComparison.Ordinal) && !l.StartsWith("---", StringComparison.Ordinal))
                .Where(l => l.Length > 0)),
            "returned a task");

    /// <summary>Coyote names an uncontrolled task by its <see cref="Task.Id"/> ("returned task '5' that is
    /// not intercepted"), which differs between a run and its replay; the bug line must not.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"returned task '\d+'")]
    private static partial System.Text.RegularExpressions.Regex UncontrolledTaskId();
}
