using TaskGroups.Harness.Targets;

namespace TaskGroups.Harness.Zoo;

/// <summary>What the zoo found for one broken target.</summary>
public sealed record ZooRow(IBrokenTarget Target, Detection Explore, Detection Properties, Detection Stress)
{
    /// <summary>Detected by at least one way, and every systematic detection replayed to the identical line.</summary>
    public bool Detected => (Explore.Found || Properties.Found || Stress.Found) && Explore.Replayed && Properties.Replayed;
}
