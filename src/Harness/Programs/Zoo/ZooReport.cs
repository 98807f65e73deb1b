namespace TaskGroups.Harness.Zoo;

/// <summary>A zoo run: one row per broken target, and the false-alarm check of the clean targets.</summary>
public sealed record ZooReport(IReadOnlyList<ZooRow> Rows, IReadOnlyList<CleanRow> Clean, TimeSpan Elapsed)
{
    /// <summary>Broken targets detected.</summary>
    public int Detected => Rows.Count(r => r.Detected);

    /// <summary>Whether every broken target was detected and every clean target stayed clean.</summary>
    public bool Passed => Detected == Rows.Count && Clean.All(c => c.Clean);

    /// <summary>The summary line: <c>zoo: D of M broken targets detected (explore X, properties Y, stress Z)</c>.</summary>
    public string SummaryLine =>
        $"zoo: {Detected} of {Rows.Count} broken targets detected (explore {Rows.Count(r => r.Explore.Found)}, properties {Rows.Count(r => r.Properties.Found)}, stress {Rows.Count(r => r.Stress.Found)})";
}
