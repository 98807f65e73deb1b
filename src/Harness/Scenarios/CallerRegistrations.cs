using System.Reflection;

namespace TaskGroups.Harness.Scenarios;

/// <summary>
/// Counts the callbacks registered on a <see cref="CancellationTokenSource"/> — the bookkeeping of
/// invariant 9, observed directly: a group that leaves a registration on a long-lived caller token
/// (an undisposed linked source, a forgotten registration) grows this count by one per group, which is
/// exactly the memory that never comes back. Deterministic, so it works under Coyote, where a
/// garbage-collection probe would not.
/// </summary>
/// <remarks>Reads the runtime's private fields (<c>_registrations.Callbacks</c>, a linked list of
/// nodes); <see cref="IsSupported"/> says whether this runtime has them, and the contract suite asserts
/// it, so the check cannot silently switch off.</remarks>
public static class CallerRegistrations
{
    private static readonly FieldInfo? s_registrations =
        typeof(CancellationTokenSource).GetField("_registrations", BindingFlags.Instance | BindingFlags.NonPublic);

    private static readonly FieldInfo? s_callbacks =
        s_registrations?.FieldType.GetField("Callbacks", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);

    private static readonly FieldInfo? s_next =
        s_callbacks?.FieldType.GetField("Next", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);

    /// <summary>Whether this runtime's <see cref="CancellationTokenSource"/> has the fields read here.</summary>
    public static bool IsSupported => s_next is not null;

    /// <summary>How many callbacks are registered on <paramref name="source"/>; -1 if unsupported.</summary>
    public static int Count(CancellationTokenSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!IsSupported)
        {
            return -1;
        }

        object? registrations = s_registrations!.GetValue(source);
        int count = 0;
        for (object? node = registrations is null ? null : s_callbacks!.GetValue(registrations); node is not null; node = s_next!.GetValue(node))
        {
            count++;
        }

        return count;
    }
}
