using TaskGroups.Harness.Targets;

namespace TaskGroups.Harness.Zoo;

/// <summary>The false-alarm check for a target that must stay clean: every way must find nothing.</summary>
public sealed record CleanRow(IGroupTarget Target, Detection Explore, Detection Properties, Detection Stress)
{
    /// <summary>No way found a bug.</summary>
    public bool Clean => !Explore.Found && !Properties.Found && !Stress.Found;
}
