using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Runtime.CompilerServices;

namespace TaskGroups.Verification.Engine;

/// <summary>
/// Finds the tasks a test started and left running when its body returned — unstructured concurrency
/// that outlives the test (a <c>Task.Run</c> or an async call nobody awaited). Coyote 1.7.11 does not
/// report them: it ends the iteration when the test's own task completes and abandons the rest. It does
/// keep every task it controls in its runtime's <c>ControlledTasks</c> map (a task scheduled with
/// <c>Task.Run</c>, every async method's task, completion sources), which no public API exposes; this
/// reads it by reflection. A task counts when it is incomplete and runs user code: an async method's
/// task (its state machine names the method) or a delegate task (<c>Task.Run</c>'s delegate); promises
/// (completion sources, <c>WhenAll</c>) and Coyote's, the framework's and this engine's own code are
/// left out. The start site is where that code is (the method, and its first line from the portable PDB
/// next to the assembly when there is one): Coyote records no call site for a task.
/// </summary>
internal static class LeakedTasks
{
    private static readonly PropertyInfo? s_current = Type.GetType("Microsoft.Coyote.Runtime.CoyoteRuntime, Microsoft.Coyote")
        ?.GetProperty("Current", BindingFlags.NonPublic | BindingFlags.Static);

    private static readonly FieldInfo? s_controlledTasks = s_current?.PropertyType
        .GetField("ControlledTasks", BindingFlags.NonPublic | BindingFlags.Instance);

    private static readonly FieldInfo? s_action = typeof(Task).GetField("m_action", BindingFlags.NonPublic | BindingFlags.Instance);

    private static readonly ConcurrentDictionary<Assembly, MetadataReaderProvider?> s_pdbs = new();

    /// <summary>Whether this Coyote exposes its controlled tasks as expected (checked by a test).</summary>
    public static bool Supported => s_controlledTasks is not null && s_action is not null;

    /// <summary>The leaked tasks of the running Coyote iteration, as sorted one-line descriptions (sorted,
    /// so that a replay prints the identical bug line). Empty outside Coyote.</summary>
    public static IReadOnlyList<string> Running()
    {
        if (!Supported || s_current!.GetValue(null) is not { } runtime || s_controlledTasks!.GetValue(runtime) is not IDictionary tasks)
        {
            return [];
        }

        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (object key in tasks.Keys)
        {

            if (key is Task { IsCompleted: false } task && Describe(task) is { } where)
            {
                found.Add(where);
            }
        }

        return [.. found];
    }

    private static string? Describe(Task task)
    {
        MethodBase? code = null;
        MethodBase? lines = null;
        Type type = task.GetType();
        if (type.IsGenericType && Array.Find(type.GetGenericArguments(), t => typeof(IAsyncStateMachine).IsAssignableFrom(t)) is { } machine)
        {
            lines = machine.GetMethod(nameof(IAsyncStateMachine.MoveNext), BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
            code = KickoffOf(machine) ?? lines;
        }
        else if (s_action!.GetValue(task) is Delegate action)
        {
            code = lines = action.Method;
        }

        if (code?.DeclaringType is not { } declaring || !IsUserCode(declaring.Assembly))
        {
            return null;
        }

        string site = LineOf(lines ?? code) is { } line ? $" at {line}" : string.Empty;
        return $"{Name(code)}{site}";
    }

    /// <summary>The async method whose state machine is <paramref name="machine"/>.</summary>
    private static MethodBase? KickoffOf(Type machine) =>
        machine.DeclaringType?.GetMethods(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
            .FirstOrDefault(m => m.GetCustomAttribute<AsyncStateMachineAttribute>()?.StateMachineType == machine);

    private static bool IsUserCode(Assembly assembly)
    {
        string name = assembly.GetName().Name ?? string.Empty;
        return !(name == "System" || name.StartsWith("System.", StringComparison.Ordinal) || name.StartsWith("Microsoft.", StringComparison.Ordinal)
            || name is "mscorlib" or "netstandard" || name.StartsWith("xunit", StringComparison.Ordinal) || assembly == typeof(LeakedTasks).Assembly);
    }

    /// <summary><c>Type.Method</c>, or <c>a lambda in Type.Method</c> for compiler-generated code.</summary>
    private static string Name(MethodBase method)
    {
        Type type = method.DeclaringType!;
        string name = method.Name;
        bool generated = name.Contains('<', StringComparison.Ordinal) || type.Name.Contains('<', StringComparison.Ordinal);
        while (type.DeclaringType is not null && type.Name.Contains('<', StringComparison.Ordinal))
        {
            type = type.DeclaringType;
        }

        if (generated && name.StartsWith('<') && name.IndexOf('>', StringComparison.Ordinal) is > 1 and int end)
        {
            name = name[1..end]; // <Outer>b__0_1 → Outer
        }

        return generated ? $"a lambda in {type.FullName?.Replace('+', '.')}.{name}" : $"{type.FullName?.Replace('+', '.')}.{name}";
    }

    /// <summary><c>File.cs:line</c> of the method's first sequence point, from its portable PDB.</summary>
    private static string? LineOf(MethodBase method)
    {
        try
        {
            MetadataReaderProvider? provider = s_pdbs.GetOrAdd(method.Module.Assembly, static a =>
            {
                string pdb = Path.ChangeExtension(a.Location, ".pdb");
                return string.IsNullOrEmpty(a.Location) || !File.Exists(pdb)
                    ? null
                    : MetadataReaderProvider.FromPortablePdbStream(File.OpenRead(pdb));
            });
            if (provider is null)
            {
                return null;
            }

            MetadataReader reader = provider.GetMetadataReader();
            MethodDebugInformation info = reader.GetMethodDebugInformation(MetadataTokens.MethodDefinitionHandle(method.MetadataToken));
            // The lowest line, not the first in IL order: an async method's state machine starts with
            // its resumption code, whose first visible point can be the method's last line.
            SequencePoint[] points = [.. info.GetSequencePoints().Where(p => !p.IsHidden)];
            if (points.Length > 0)
            {
                SequencePoint first = points.MinBy(p => p.StartLine);
                string file = reader.GetString(reader.GetDocument(first.Document).Name);
                return $"{Path.GetFileName(file)}:{first.StartLine}";
            }
        }
        catch (Exception e) when (e is IOException or BadImageFormatException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            // No readable symbols: the method's name is the start site.
        }

        return null;
    }
}
