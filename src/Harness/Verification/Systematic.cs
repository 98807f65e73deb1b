using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Coyote.Specifications;
using TaskGroups.Verification.Engine;

namespace TaskGroups.Verification;

/// <summary>
/// Systematic testing of code that uses <see cref="TaskGroup"/> (or any async code), from a plain unit
/// test: the test body is explored under Coyote's scheduler in strict mode with the invariant checker
/// attached to every group opened inside it; a failing schedule is written to a file that replays it.
/// </summary>
/// <remarks>
/// <para>Reference the <c>TaskGroups.Verification</c> package: its build step rewrites the test
/// project's output for Coyote after every build, so a plain <c>dotnet test</c> works.</para>
/// <para>Thread-safe: tests may call <see cref="Verify"/> concurrently (each call has its own engines).</para>
/// </remarks>
public static class Systematic
{
    /// <summary>Schedules explored when neither the options nor <c>TASKGROUPS_SCHEDULES</c> say.</summary>
    public const int DefaultSchedules = 1000;

    /// <summary>The environment variable naming a schedule file to replay instead of exploring.</summary>
    public const string ReplayVariable = "TASKGROUPS_REPLAY";

    /// <summary>The environment variable naming the folder for schedule files.</summary>
    public const string ScheduleDirectoryVariable = "TASKGROUPS_SCHEDULES_DIR";

    /// <summary>The environment variable for the number of engines exploring at once.</summary>
    public const string ParallelVariable = "TASKGROUPS_PARALLEL";

    /// <summary>
    /// Explores <paramref name="test"/> under Coyote's scheduler in strict mode, with the invariant
    /// checker attached to every <see cref="TaskGroup"/> opened inside it. Returns normally when no
    /// schedule fails; otherwise throws <see cref="SystematicTestException"/> whose message starts with
    /// the lines <c>bug: …</c>, <c>schedule: &lt;absolute path&gt;</c> and <c>replay: &lt;command&gt;</c>.
    /// </summary>
    /// <param name="test">The test body; it runs once per explored schedule.</param>
    /// <param name="options">How to explore; see <see cref="SystematicOptions"/> for the defaults.</param>
    /// <param name="testName">The calling test method (filled in by the compiler).</param>
    /// <param name="file">The calling source file (filled in by the compiler): used to find the test
    /// project for the printed replay command.</param>
    /// <remarks>
    /// The test's full name (declaring type + method) is taken from the first stack frame whose method
    /// is <paramref name="testName"/>; it is recorded in the schedule file, and with
    /// <c>TASKGROUPS_REPLAY=&lt;file&gt;</c> set only the test of that name (and seed) replays the file
    /// instead of exploring; it then fails with the identical <c>bug:</c> line and prints the timeline.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Verify(Func<Task> test, SystematicOptions? options = null, [CallerMemberName] string testName = "", [CallerFilePath] string file = "")
    {
        ArgumentNullException.ThrowIfNull(test);
        options ??= new SystematicOptions();
        string fullName = FullNameOf(testName, new StackTrace(1, fNeedFileInfo: false));
        Assembly testAssembly = test.Method.DeclaringType?.Assembly ?? Assembly.GetCallingAssembly();
        SystematicRunner.EnsureRewritten(test.Method.DeclaringType ?? typeof(Systematic));
        var settings = new ExplorationSettings(
            options.Schedules ?? SchedulesFromEnvironment(),
            options.Seed ?? 0,
            options.Strategy ?? SchedulingStrategy.Random,
            options.MaxSteps ?? 2_000);
        if (settings.Iterations <= 0)
        {
            throw new ArgumentException($"Schedules must be positive, not {settings.Iterations}", nameof(options));
        }

        if (Interceptor.Value is { } intercept)
        {
            if (intercept(test, fullName, settings.Seed))
            {
                throw new TestCapturedException();
            }

            return;
        }

        string? project = FindProject(file);
        string? replay = options.Replay ?? Environment.GetEnvironmentVariable(ReplayVariable);
        if (!string.IsNullOrWhiteSpace(replay))
        {
            ScheduleFile schedule = ReadForReplay(replay);
            // The name and the base seed identify the test (and a theory's case, when its cases differ by seed).
            if (schedule.Kind == ScheduleKind.Test && schedule.Scenario == fullName && schedule.BaseSeed == settings.Seed)
            {
                ReplayRecorded(test, schedule, Path.GetFullPath(replay), project, fullName);
                return;
            }
        }

        int parallelism = options.Parallelism ?? ParallelismFromEnvironment();
        // One bug namer per engine: it remembers the schedule running on it (to name a deadlock).
        ExplorationResult result = SystematicRunner.ExploreEachEngine(
            _ =>
            {
                var hangs = new HangNamer();
                return (CheckedTest(test, lastTimeline: null, hangs), hangs.Name);
            },
            settings,
            parallelism);
        if (!result.FoundBug)
        {
            if (result.UncontrolledInvocations.Count > 0)
            {
                throw new SystematicTestException($"bug: uncontrolled invocation (strict mode): {string.Join(", ", result.UncontrolledInvocations)}");
            }

            return;
        }

        string bug = result.Bugs[0];
        string? fromEnvironment = Environment.GetEnvironmentVariable(ScheduleDirectoryVariable);
        string directory = options.OutputDirectory
            ?? (string.IsNullOrWhiteSpace(fromEnvironment) ? Path.Combine(AppContext.BaseDirectory, "taskgroups-schedules") : fromEnvironment);
        var recorded = new ScheduleFile(string.Empty, fullName, bug, result.Seed, settings.Strategy, result.ReproducibleTrace!)
        {
            Kind = ScheduleKind.Test,
            BaseSeed = settings.Seed,
            Project = project,
            MaxSteps = settings.MaxSteps,
            Fingerprint = ScheduleFile.FingerprintOf([typeof(TaskGroup).Assembly, testAssembly]),
        };
        string path = ScheduleFile.Write(directory, recorded);

        // Replay once before failing, as Coyote's own suite does: a report that does not reproduce
        // would send the user after a ghost.
        Timeline? timeline = null;
        var replayHangs = new HangNamer();
        ReplayRun again = SystematicRunner.ReplayChecked(CheckedTest(test, t => timeline = t, replayHangs), recorded.CoyoteTrace, settings.MaxSteps, replayHangs.Name);
        bool reproduced = !again.Diverged && again.Result.FoundBug && again.Result.Bugs[0] == bug;
        var message = new StringBuilder();
        message.AppendLine(CultureInfo.InvariantCulture, $"bug: {bug}");
        message.AppendLine(CultureInfo.InvariantCulture, $"schedule: {path}");
        message.AppendLine(CultureInfo.InvariantCulture, $"replay: {ReplayCommand(path, project, fullName)}");
        message.AppendLine(reproduced
            ? "replayed once: reproduced the identical bug"
            : $"replayed once: did NOT reproduce ({(again.Diverged ? again.Detail : again.Result.FoundBug ? again.Result.Bugs[0] : "no bug")}); the test has nondeterminism Coyote does not control");
        message.AppendLine(CultureInfo.InvariantCulture, $"found after {result.Schedules} schedule(s), seed {result.Seed}, strategy {settings.Strategy.ToString().ToLowerInvariant()}, {parallelism} engine(s)");
        string html = ScheduleTimeline.HtmlPathFor(path);
        ScheduleTimeline.Write(html, recorded, path, again.Result, timeline ?? new Timeline(), ReplayCommand(path, project, fullName));
        message.AppendLine(CultureInfo.InvariantCulture, $"html: {html}");
        AppendTimeline(message, timeline);
        throw new SystematicTestException(message.ToString().TrimEnd()) { Bug = bug, SchedulePath = path };
    }

    /// <summary>The command that replays <paramref name="path"/> from any directory.</summary>
    public static string ReplayCommand(string path, string? project, string fullName)
    {
        ArgumentNullException.ThrowIfNull(path);
        string where = project is null ? "<your test project>" : Quote(project);
        return $"{ReplayVariable}={Quote(path)} dotnet test {where} --filter \"FullyQualifiedName={fullName}\"";
    }

    /// <summary>
    /// The test body as Coyote runs it: a fresh invariant checker per schedule, attached to every group
    /// the body opens, its violations turned into Coyote assertion failures.
    /// </summary>
    internal static Func<Task> CheckedTest(Func<Task> test, Action<Timeline>? lastTimeline, HangNamer hangs) => async () =>
    {
        Timeline? timeline = lastTimeline is null ? null : new Timeline();
        if (timeline is not null)
        {
            lastTimeline!(timeline);
        }

        var checker = new InvariantChecker(v => Specification.Assert(false, "{0}", v.ToString()), timeline);
        hangs.Track(checker);
        using (TaskGroupDiagnostics.Listen(checker))
        {
            s_checker.Value = checker;
            await test();
        }

        // Unstructured concurrency: what the body started and did not wait for outlives the test.
        IReadOnlyList<string> leaked = LeakedTasks.Running();
        if (leaked.Count > 0)
        {
            Specification.Assert(false, "{0}", $"leaked task: {leaked.Count} task(s) the test started still running when the test body returned: {string.Join("; ", leaked)}");
        }
    };

    /// <summary>The checker of the schedule running on this flow: lets the repository's tests feed it
    /// the events of a deliberately broken group of their own (the library's groups report to it by
    /// themselves), to show that <see cref="Verify"/> catches what the events reveal.</summary>
    internal static InvariantChecker? CurrentChecker => s_checker.Value;

    private static readonly AsyncLocal<InvariantChecker?> s_checker = new();

    /// <summary>
    /// Set by the CLI's <c>replay FILE --assembly PATH</c> while it calls a test method: every
    /// <see cref="Verify"/> call on this flow hands its body, full name and base seed to the interceptor
    /// instead of running; the interceptor returns true to stop the test method there (Verify then throws
    /// <see cref="TestCapturedException"/>).
    /// </summary>
    internal static readonly AsyncLocal<Func<Func<Task>, string, uint, bool>?> Interceptor = new();

    private static void ReplayRecorded(Func<Task> test, ScheduleFile schedule, string path, string? project, string fullName)
    {
        Timeline? timeline = null;
        var hangs = new HangNamer();
        ReplayRun run = SystematicRunner.ReplayChecked(CheckedTest(test, t => timeline = t, hangs), schedule.CoyoteTrace, schedule.MaxSteps, hangs.Name);
        var message = new StringBuilder();
        if (run.Diverged)
        {
            message.AppendLine(CultureInfo.InvariantCulture, $"diverged at step {run.DivergedAtStep}: the code changed since the schedule was recorded ({run.Detail})");
            message.AppendLine(CultureInfo.InvariantCulture, $"schedule: {path}");
            message.AppendLine(CultureInfo.InvariantCulture, $"recorded bug: {schedule.Bug}");
            throw new SystematicTestException(message.ToString().TrimEnd()) { SchedulePath = path };
        }

        if (run.Result.FoundBug)
        {
            message.AppendLine(CultureInfo.InvariantCulture, $"bug: {run.Result.Bugs[0]}");
            message.AppendLine(CultureInfo.InvariantCulture, $"schedule: {path}");
            message.AppendLine(CultureInfo.InvariantCulture, $"replay: {ReplayCommand(path, project ?? schedule.Project, fullName)}");
            message.AppendLine(run.Result.Bugs[0] == schedule.Bug ? "replayed: reproduced the recorded bug" : $"replayed: a different bug than the recorded one ({schedule.Bug})");
            AppendTimeline(message, timeline);
            Console.Out.WriteLine(message.ToString());
            throw new SystematicTestException(message.ToString().TrimEnd()) { Bug = run.Result.Bugs[0], SchedulePath = path };
        }

        // The schedule replayed completely and the bug is gone: the fix works.
        Console.Out.WriteLine($"no bug: {path} replayed completely without the recorded bug ({schedule.Bug})");
    }

    private static ScheduleFile ReadForReplay(string path)
    {
        try
        {
            return ScheduleFile.Read(Path.GetFullPath(path));
        }
        catch (ScheduleFileException e)
        {
            throw new SystematicTestException($"{ReplayVariable}: {e.Message}", e);
        }
    }

    private static void AppendTimeline(StringBuilder message, Timeline? timeline)
    {
        if (timeline is null)
        {
            return;
        }

        IReadOnlyList<TimelineEntry> entries = timeline.Entries;
        message.AppendLine(CultureInfo.InvariantCulture, $"timeline ({entries.Count} steps):");
        foreach (TimelineEntry e in entries)
        {
            string mark = e.Kind switch
            {
                TimelineEntryKind.Violation => "!! ",
                TimelineEntryKind.Cancellation => "~  ",
                _ => "   ",
            };
            message.AppendLine(CultureInfo.InvariantCulture, $"  {e.Step,4} {mark}{e.Task,-16} {e.What}");
        }
    }

    private static string FullNameOf(string testName, StackTrace stack)
    {
        // The first frame whose method is the caller: its declaring type is the test class (a lambda
        // or local function would be a compiler-generated nested type, so walk out to a named one).
        foreach (StackFrame frame in stack.GetFrames())
        {
            MethodBase? method = frame.GetMethod();
            if (method is not null && method.Name == testName && method.DeclaringType is { } type)
            {
                while (type.DeclaringType is not null && type.Name.Contains('<', StringComparison.Ordinal))
                {
                    type = type.DeclaringType;
                }

                return $"{type.FullName?.Replace('+', '.')}.{testName}";
            }
        }

        return testName;
    }

    private static string? FindProject(string file)
    {
        if (string.IsNullOrEmpty(file))
        {
            return null;
        }

        for (DirectoryInfo? dir = new FileInfo(file).Directory; dir is not null; dir = dir.Parent)
        {
            if (!dir.Exists)
            {
                return null;
            }

            FileInfo[] projects = dir.GetFiles("*.csproj");
            if (projects.Length == 1)
            {
                return projects[0].FullName;
            }
        }

        return null;
    }

    private static int SchedulesFromEnvironment()
    {
        string? text = Environment.GetEnvironmentVariable(Schedules.EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return DefaultSchedules;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new InvalidOperationException($"{Schedules.EnvironmentVariable}='{text}' is not a positive integer");
    }

    private static int ParallelismFromEnvironment()
    {
        string? text = Environment.GetEnvironmentVariable(ParallelVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return Environment.ProcessorCount;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new InvalidOperationException($"{ParallelVariable}='{text}' is not a positive integer");
    }

    private static string Quote(string path) => path.Contains(' ', StringComparison.Ordinal) ? $"\"{path}\"" : path;
}
