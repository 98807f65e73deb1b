using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace TaskGroups;

/// <summary>Throws on behalf of hot paths, keeping the throwing code out of them.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    [StackTraceHidden]
    public static void ThrowGroupCompleted(TaskGroup group) =>
        throw new InvalidOperationException($"{group} has completed: no child can be spawned into it any more.");

    /// <summary>The failure recorded when a child's delegate returns a null task.</summary>
    public static InvalidOperationException NullTask() =>
        new("The delegate passed to TaskGroup.Spawn or TaskGroup.RunAsync returned a null Task.");
}
