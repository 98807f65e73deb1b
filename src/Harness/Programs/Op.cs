namespace TaskGroups.Harness.Programs;

/// <summary>
/// One step of a task (a group's body or a child) in a generated program. Immutable; compared by
/// value, so programs can be deduplicated and shrunk.
/// </summary>
public abstract record Op
{
    /// <summary>The operations in this one, itself included (a spawn or a nested group counts its block).</summary>
    public virtual int Count => 1;
}
