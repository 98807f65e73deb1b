namespace TaskGroups.Verification.Engine;

/// <summary>Which slice of the seed space a process explores: shard <c>Index</c> of <c>Count</c>.</summary>
/// <param name="Index">0-based shard index.</param>
/// <param name="Count">Number of shards (machines or CI jobs).</param>
public readonly record struct Shard(int Index, int Count)
{
    /// <summary>The whole space.</summary>
    public static Shard All => new(0, 1);

    /// <summary>Parses <c>I/N</c> (0 ≤ I &lt; N).</summary>
    public static bool TryParse(string text, out Shard shard)
    {
        shard = All;
        string[] parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out int i) && int.TryParse(parts[1], out int n) && n > 0 && i >= 0 && i < n)
        {
            shard = new Shard(i, n);
            return true;
        }

        return false;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Index}/{Count}";
}
