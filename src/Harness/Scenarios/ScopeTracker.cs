namespace TaskGroups.Harness.Scenarios;

/// <summary>The group whose body or child is running on this flow, for the targets that are not
/// the real <see cref="TaskGroup"/> (which tracks its own nesting).</summary>
internal static class ScopeTracker
{
    private static readonly AsyncLocal<long> s_group = new();

    public static long CurrentGroupId => s_group.Value;

    public static long Enter(long groupId)
    {
        long previous = s_group.Value;
        s_group.Value = groupId;
        return previous;
    }

    public static void Exit(long previous) => s_group.Value = previous;
}
