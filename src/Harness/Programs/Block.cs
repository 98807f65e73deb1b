using System.Collections.Immutable;

namespace TaskGroups.Harness.Programs;

/// <summary>The operations of one task, in order.</summary>
public sealed record Block(ImmutableArray<Op> Ops)
{
    /// <summary>No operations.</summary>
    public static Block Empty { get; } = new(ImmutableArray<Op>.Empty);

    /// <summary>The operations in this block, nested ones included.</summary>
    public int Count => Ops.Sum(o => o.Count);

    /// <inheritdoc/>
    public bool Equals(Block? other) => other is not null && Ops.SequenceEqual(other.Ops);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (Op op in Ops)
        {
            hash.Add(op);
        }

        return hash.ToHashCode();
    }
}
