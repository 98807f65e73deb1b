using System.Reflection;
using System.Runtime.Loader;
using Microsoft.Coyote.Rewriting;

namespace TaskGroups.Verification.Engine;

/// <summary>
/// Replays a schedule recorded by <see cref="Systematic.Verify"/> in a user's test assembly, under the
/// same engine: loads the assembly, finds the test method by the full name the file records, calls it
/// with <see cref="Systematic.Interceptor"/> set so that its <c>Verify</c> call hands over its body
/// (the call whose name and base seed match the file) instead of exploring, then replays that body.
/// </summary>
/// <remarks>The test's own dependencies (xunit, …) are resolved from its folder; <c>TaskGroups</c>,
/// <c>TaskGroups.Verification</c> and Coyote are this process's copies (rewritten alike).</remarks>
internal static class AssemblyTestReplay
{
    /// <summary>Replays <paramref name="schedule"/> (a test's) with the test loaded from <paramref name="assemblyPath"/>.</summary>
    /// <exception cref="TestLoadException">The test cannot be loaded or did not call Verify as recorded.</exception>
    public static (ReplayRun Run, Timeline? Timeline) Replay(ScheduleFile schedule, string assemblyPath)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(assemblyPath);
        string path = Path.GetFullPath(assemblyPath);
        if (!File.Exists(path))
        {
            throw new TestLoadException($"--assembly '{assemblyPath}' does not exist");
        }

        Assembly assembly = Load(path);
        if (!RewritingEngine.IsAssemblyRewritten(assembly))
        {
            throw new TestLoadException($"{path} was not rewritten for Coyote: build its project (the TaskGroups.Verification package rewrites the output after each build), then replay");
        }

        MethodInfo method = Find(assembly, schedule.Scenario, path);
        Func<Task>? body = Capture(method, schedule);
        if (body is null)
        {
            throw new TestLoadException($"the test {schedule.Scenario} did not call Systematic.Verify with base seed {schedule.BaseSeed} (the code changed since the schedule was recorded?)");
        }

        Timeline? timeline = null;
        var hangs = new HangNamer();
        ReplayRun run = SystematicRunner.ReplayChecked(Systematic.CheckedTest(body, t => timeline = t, hangs), schedule.CoyoteTrace, schedule.MaxSteps, hangs.Name);
        return (run, timeline);
    }

    private static Assembly Load(string path)
    {
        var resolver = new AssemblyDependencyResolver(path);
        AssemblyLoadContext.Default.Resolving += (context, name) =>
            resolver.ResolveAssemblyToPath(name) is { } found ? context.LoadFromAssemblyPath(found) : null;
        try
        {
            return AssemblyLoadContext.Default.LoadFromAssemblyPath(path);
        }
        catch (BadImageFormatException)
        {
            throw new TestLoadException($"--assembly '{path}' is not a .NET assembly");
        }
        catch (FileLoadException e)
        {
            throw new TestLoadException($"--assembly '{path}' cannot be loaded: {e.Message}");
        }
    }

    private static MethodInfo Find(Assembly assembly, string fullName, string path)
    {
        int dot = fullName.LastIndexOf('.');
        string typeName = dot > 0 ? fullName[..dot] : string.Empty;
        string methodName = fullName[(dot + 1)..];
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = [.. e.Types.OfType<Type>()];
        }

        Type? type = Array.Find(types, t => t.FullName?.Replace('+', '.') == typeName);
        MethodInfo? method = type?.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static)
            .FirstOrDefault(m => m.Name == methodName && m.GetParameters().Length == 0);
        return method ?? throw new TestLoadException($"the test {fullName} (recorded in the schedule) is not in {path}" + (type is null ? string.Empty : " (its class is, without a parameterless method of that name)"));
    }

    /// <summary>Calls the test method until its matching <c>Verify</c> call hands over its body.</summary>
    private static Func<Task>? Capture(MethodInfo method, ScheduleFile schedule)
    {
        Func<Task>? captured = null;
        Systematic.Interceptor.Value = (body, name, seed) =>
        {
            if (captured is null && name == schedule.Scenario && seed == schedule.BaseSeed)
            {
                captured = body;
                return true;
            }

            return false;
        };
        object? instance = null;
        try
        {
            instance = method.IsStatic ? null : Activator.CreateInstance(method.DeclaringType!);
            if (method.Invoke(instance, null) is Task task)
            {
                task.Wait();
            }
        }
        catch (MissingMethodException)
        {
            throw new TestLoadException($"the test class {method.DeclaringType!.FullName} has no parameterless constructor: the CLI cannot create it (replay with TASKGROUPS_REPLAY and dotnet test instead)");
        }
        catch (Exception) when (captured is not null)
        {
            // The test method stopped at its Verify call (TestCapturedException) or ran on: what it
            // does without the body is not part of the replay.
        }
        catch (Exception e) when (e is TargetInvocationException or AggregateException)
        {
            Exception inner = e.InnerException ?? e;
            throw new TestLoadException($"the test {schedule.Scenario} failed before calling Systematic.Verify: {inner.GetType().Name}: {inner.Message.Split('\n')[0]}");
        }
        finally
        {
            Systematic.Interceptor.Value = null;
            (instance as IDisposable)?.Dispose();
        }

        return captured;
    }
}
