namespace TaskGroups.Harness.Targets;

/// <summary>
/// A deliberately broken target: a faithful, minimal port of one documented bug class of a task
/// group (the zoo). The harness must catch every one of them (<c>zoo</c> verb, contract suite).
/// </summary>
public interface IBrokenTarget : IGroupTarget
{
    /// <summary>Where the bug class is documented (an issue, pull request or documentation link).</summary>
    string Source { get; }

    /// <summary>The invariant (or outcome-table row) it breaks, in a few words: "invariant 3".</summary>
    string Breaks { get; }
}
