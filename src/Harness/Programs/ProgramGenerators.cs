using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;

namespace TaskGroups.Harness.Programs;

/// <summary>
/// FsCheck generators and the shrinker for <see cref="TaskProgram"/>s. Programs are sized by FsCheck's
/// size, weighted towards what finds bugs (cancellation racing failures, waits on signals, nested
/// groups, late spawns), and capped so that one case stays cheap to explore:
/// at most <see cref="TaskProgram.MaxOperations"/> operations, <see cref="TaskProgram.MaxChildrenPerGroup"/>
/// children per group and <see cref="TaskProgram.MaxGroupDepth"/> levels of nested groups.
/// </summary>
public static class ProgramGenerators
{
    /// <summary>The arbitrary (generator and shrinker) for programs.</summary>
    public static Arbitrary<TaskProgram> Arbitrary() => Arb.From(Programs(), Shrink);

    /// <summary>Sized program generator.</summary>
    public static Gen<TaskProgram> Programs() =>
        Gen.Sized(size => GroupBody(groupDepth: 0, Math.Clamp(size, 4, 24)))
            .Select(body => Cap(new TaskProgram(body)));

    /// <summary>A group's body: spawns first (1–3), then a few operations of its own.</summary>
    private static Gen<Block> GroupBody(int groupDepth, int size) =>
        from spawns in Gen.Choose(1, groupDepth == 0 ? 3 : 2)
        from children in Gen.ListOf(Spawn(groupDepth, spawnDepth: 0, size), spawns)
        from extra in Gen.Choose(0, 2)
        from own in Gen.ListOf(BodyOp(groupDepth, size), extra)
        select new Block([.. children, .. own]);

    private static Gen<Op> Spawn(int groupDepth, int spawnDepth, int size) =>
        from child in ChildBlock(groupDepth, spawnDepth, size)
        from valued in Gen.Frequency((4, Gen.Constant(false)), (1, Gen.Constant(true)))
        from value in Gen.Choose(1, 99)
        select (Op)new SpawnOp(child, valued ? value : null);

    private static Gen<Block> ChildBlock(int groupDepth, int spawnDepth, int size) =>
        from n in Gen.Choose(1, Math.Clamp(size / 3, 1, 4))
        from ops in Gen.ListOf(ChildOp(groupDepth, spawnDepth, size), n)
        select new Block([.. ops]);

    private static Gen<Op> BodyOp(int groupDepth, int size) => Gen.Frequency(
    [
        (3, Gen.Constant<Op>(new YieldOp())),
        (2, Gen.Choose(1, 2).Select(s => (Op)new WaitOp(s))),
        (2, Gen.Constant<Op>(new CancelOp(0))),
        (1, Gen.Constant<Op>(new ThrowOp(0))),
        (1, Gen.Constant<Op>(new CancelCallerOp())),
        (1, Gen.Constant<Op>(new CancelOutsideOp())),
        (1, Gen.Constant<Op>(new SpawnLateOp())),
        (1, Spawn(groupDepth, spawnDepth: 1, size / 2)),
    ]);

    private static Gen<Op> ChildOp(int groupDepth, int spawnDepth, int size)
    {
        var choices = new List<(int, Gen<Op>)>
        {
            (3, Gen.Constant<Op>(new YieldOp())),
            (2, Gen.Choose(1, 2).Select(s => (Op)new WaitOp(s))),
            (2, Gen.Choose(1, 2).Select(s => (Op)new SetOp(s))),
            (3, Gen.Constant<Op>(new ThrowOp(0))),
            (2, Gen.Constant<Op>(new ThrowInCleanupOp(0))),
            (3, Gen.Constant<Op>(new CancelOp(0))),
            (1, Gen.Constant<Op>(new CancelCallerOp())),
            (1, Gen.Constant<Op>(new WaitCanceledOp())),
            (1, Gen.Constant<Op>(new WaitLinkedOp())),
            (1, Gen.Constant<Op>(new TimeoutOp(0))),
            (1, Gen.Constant<Op>(new CancelOutsideOp())),
        };
        if (groupDepth > 0)
        {
            choices.Add((2, Gen.Choose(1, groupDepth).Select(levels => (Op)new CancelOp(levels))));
        }

        if (size >= 6 && spawnDepth < 2)
        {
            choices.Add((1, Spawn(groupDepth, spawnDepth + 1, size / 2)));
        }

        if (size >= 6 && groupDepth < TaskProgram.MaxGroupDepth)
        {
            choices.Add((2, GroupBody(groupDepth + 1, size / 2).Select(body => (Op)new GroupOp(body))));
        }

        return Gen.Frequency(choices.ToArray());
    }

    /// <summary>Drops what exceeds the caps (in program order) and the dead operations after a throw, then normalizes.</summary>
    public static TaskProgram Cap(TaskProgram program)
    {
        int budget = TaskProgram.MaxOperations;
        return new TaskProgram(Walk(program.Root, new int[1])).Normalize();

        Block Walk(Block block, int[] groupChildren)
        {
            var ops = ImmutableArray.CreateBuilder<Op>();
            foreach (Op op in block.Ops)
            {
                if (budget <= 0)
                {
                    break;
                }

                switch (op)
                {
                    case SpawnOp s:
                        if (groupChildren[0] >= TaskProgram.MaxChildrenPerGroup)
                        {
                            continue;
                        }

                        groupChildren[0]++;
                        budget--;
                        ops.Add(s with { Child = Walk(s.Child, groupChildren) });
                        break;
                    case GroupOp g:
                        budget--;
                        ops.Add(new GroupOp(Walk(g.Body, new int[1])));
                        break;
                    case ThrowOp or ThrowInCleanupOp or TimeoutOp:
                        budget--;
                        ops.Add(op);
                        return new Block(ops.ToImmutable()); // what follows a throw never runs: do not spend the budget on it
                    default:
                        budget--;
                        ops.Add(op);
                        break;
                }
            }

            return new Block(ops.ToImmutable());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Shrinking.
    // ---------------------------------------------------------------------------------------------

    /// <summary>
    /// Smaller variants of <paramref name="program"/>, most promising first: without one operation
    /// (outermost first, so whole children go first), with a spawn or nested group replaced by its
    /// operations, with one operation simplified (a valued spawn to a plain one, a cleanup throw to a
    /// throw, a wait to a yield, an outer or caller cancel to an own cancel), then the same inside
    /// every nested block. Every variant is normalized and differs from the input.
    /// </summary>
    public static IEnumerable<TaskProgram> Shrink(TaskProgram program)
    {
        var seen = new HashSet<TaskProgram> { program };
        foreach (Block block in ShrinkBlock(program.Root))
        {
            TaskProgram candidate = new TaskProgram(block).Normalize();
            if (seen.Add(candidate))
            {
                yield return candidate;
            }
        }
    }

    private static IEnumerable<Block> ShrinkBlock(Block block)
    {
        ImmutableArray<Op> ops = block.Ops;
        for (int i = 0; i < ops.Length; i++)
        {
            yield return new Block(ops.RemoveAt(i));
        }

        for (int i = 0; i < ops.Length; i++)
        {
            if (Inner(ops[i]) is { } inner)
            {
                yield return new Block(ops.RemoveAt(i).InsertRange(i, inner.Ops));
            }
        }

        for (int i = 0; i < ops.Length; i++)
        {
            foreach (Op simpler in Simplify(ops[i]))
            {
                yield return new Block(ops.SetItem(i, simpler));
            }
        }

        for (int i = 0; i < ops.Length; i++)
        {
            if (Inner(ops[i]) is { } inner)
            {
                foreach (Block smaller in ShrinkBlock(inner))
                {
                    yield return new Block(ops.SetItem(i, WithInner(ops[i], smaller)));
                }
            }
        }
    }

    private static Block? Inner(Op op) => op switch
    {
        SpawnOp s => s.Child,
        GroupOp g => g.Body,
        _ => null,
    };

    private static Op WithInner(Op op, Block inner) => op switch
    {
        SpawnOp s => s with { Child = inner },
        GroupOp => new GroupOp(inner),
        _ => op,
    };

    private static IEnumerable<Op> Simplify(Op op)
    {
        switch (op)
        {
            case SpawnOp { Value: not null } s:
                yield return s with { Value = null };
                break;
            case ThrowInCleanupOp t:
                yield return new ThrowOp(t.Failure);
                break;
            case WaitOp w:
                yield return new YieldOp();
                if (w.Signal > 1)
                {
                    yield return new WaitOp(1);
                }

                break;
            case SetOp { Signal: > 1 }:
                yield return new SetOp(1);
                break;
            case CancelOp { Levels: > 0 }:
            case CancelCallerOp:
            case CancelOutsideOp:
                yield return new CancelOp(0);
                break;
            case WaitCanceledOp or WaitLinkedOp:
                yield return new WaitOp(1);
                break;
            case TimeoutOp t:
                yield return new ThrowOp(t.Failure);
                break;
        }
    }
}
