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
    /// <summary>The arbitrary (generator and shrinker) for programs; with <paramref name="features"/>,
    /// programs for a feature target (group options, start, shield, cancel reasons).</summary>
    public static Arbitrary<TaskProgram> Arbitrary(bool features = false) => Arb.From(Programs(features), Shrink);

    /// <summary>Sized program generator. With <paramref name="features"/>, one program in four is a seed
    /// program (a feature target must pass those too), one mixes feature operations in anywhere, and
    /// two run their work in a group with options (most variants break one option of one group).</summary>
    public static Gen<TaskProgram> Programs(bool features = false) =>
        Gen.Sized(size =>
        {
            size = Math.Clamp(size, 4, 24);
            return features
                ? Gen.Frequency(
                    (1, GroupBody(groupDepth: 0, size, features: false)),
                    (1, GroupBody(groupDepth: 0, size, features: true)),
                    (2, OptionedRoot(size)))
                : GroupBody(groupDepth: 0, size, features: false);
        })
        .Select(body => Cap(new TaskProgram(body)));

    /// <summary>An outermost body that runs a group with options, then perhaps one more operation.</summary>
    private static Gen<Block> OptionedRoot(int size) =>
        from options in Options()
        from body in GroupBody(groupDepth: 1, size, features: true)
        from extra in Gen.Choose(0, 1)
        from own in Gen.ListOf(BodyOp(0, size, features: true), extra)
        select new Block([new GroupOp(body, options), .. own]);

    /// <summary>A group's body: spawns first (1–3), then a few operations of its own.</summary>
    private static Gen<Block> GroupBody(int groupDepth, int size, bool features) =>
        from spawns in Gen.Choose(1, groupDepth == 0 ? 3 : 2)
        from children in Gen.ListOf(Spawn(groupDepth, spawnDepth: 0, size, features), spawns)
        from extra in Gen.Choose(0, 2)
        from own in Gen.ListOf(BodyOp(groupDepth, size, features), extra)
        select new Block([.. children, .. own]);

    private static Gen<Op> Spawn(int groupDepth, int spawnDepth, int size, bool features) =>
        from child in ChildBlock(groupDepth, spawnDepth, size, features)
        from valued in Gen.Frequency((4, Gen.Constant(false)), (1, Gen.Constant(true)))
        from value in Gen.Choose(1, 99)
        select (Op)new SpawnOp(child, valued ? value : null);

    private static Gen<Block> ChildBlock(int groupDepth, int spawnDepth, int size, bool features) =>
        from n in Gen.Choose(1, Math.Clamp(size / 3, 1, 4))
        from ops in Gen.ListOf(ChildOp(groupDepth, spawnDepth, size, features), n)
        select new Block([.. ops]);

    private static Gen<Op> BodyOp(int groupDepth, int size, bool features)
    {
        var choices = new List<(int, Gen<Op>)>
        {
            (3, Gen.Constant<Op>(new YieldOp())),
            (2, Gen.Choose(1, 2).Select(s => (Op)new WaitOp(s))),
            (2, Gen.Constant<Op>(new CancelOp(0))),
            (1, Gen.Constant<Op>(new ThrowOp(0))),
            (1, Gen.Constant<Op>(new CancelCallerOp())),
            (1, Gen.Constant<Op>(new CancelOutsideOp())),
            (1, Gen.Constant<Op>(new SpawnLateOp())),
            (1, Spawn(groupDepth, spawnDepth: 1, size / 2, features)),
        };
        if (features)
        {
            choices.AddRange(FeatureOps(groupDepth, size));
        }

        return Gen.Frequency(choices.ToArray());
    }

    /// <summary>The beyond-the-seed operations a body or a child may hold.</summary>
    private static IEnumerable<(int, Gen<Op>)> FeatureOps(int groupDepth, int size)
    {
        yield return (2, Gen.Constant<Op>(new CancelReasonOp(0)));
        yield return (1, Gen.Constant<Op>(new CancelAfterOp()));
        yield return (2, StartBlock().Select(b => (Op)new StartOp(b)));
        yield return (2, ShieldBlock().Select(b => (Op)new ShieldOp(b)));
        if (size >= 6 && groupDepth < TaskProgram.MaxGroupDepth)
        {
            yield return (3, from options in Options()
                             from body in GroupBody(groupDepth + 1, size / 2, features: true)
                             select (Op)new GroupOp(body, options));
        }
    }

    /// <summary>A feature group's options: each of limit (1–3), deadline and supervise, independently.</summary>
    private static Gen<GroupConfig> Options() =>
        from limited in Gen.Frequency((1, Gen.Constant(true)), (1, Gen.Constant(false)))
        from limit in Gen.Choose(1, 3)
        from deadline in Gen.Frequency((1, Gen.Constant(true)), (2, Gen.Constant(false)))
        from supervise in Gen.Frequency((1, Gen.Constant(true)), (1, Gen.Constant(false)))
        select new GroupConfig(limited ? limit : null, deadline, supervise);

    /// <summary>A StartAsync child: 1–3 simple steps with <c>started</c> at a random place (or, one time in
    /// five, nowhere: StartAsync must then throw InvalidOperationException).</summary>
    private static Gen<Block> StartBlock() =>
        from n in Gen.Choose(1, 3)
        from ops in Gen.ListOf(Gen.Frequency(
        [
            (3, Gen.Constant<Op>(new YieldOp())),
            (1, Gen.Choose(1, 2).Select(s => (Op)new WaitOp(s))),
            (1, Gen.Choose(1, 2).Select(s => (Op)new SetOp(s))),
            (2, Gen.Constant<Op>(new ThrowOp(0))),
            (1, Gen.Constant<Op>(new CancelOp(0))),
            (1, Gen.Constant<Op>(new CancelReasonOp(0))),
        ]), n)
        from at in Gen.Choose(0, n)
        from calls in Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false)))
        select new Block(calls ? [.. ops.Take(at), new StartedOp(), .. ops.Skip(at)] : [.. ops]);

    /// <summary>A shielded cleanup: 1–2 steps, often waiting for its grace period.</summary>
    private static Gen<Block> ShieldBlock() =>
        from n in Gen.Choose(1, 2)
        from ops in Gen.ListOf(Gen.Frequency(
        [
            (2, Gen.Constant<Op>(new YieldOp())),
            (2, Gen.Constant<Op>(new WaitGraceOp())),
            (1, Gen.Choose(1, 2).Select(s => (Op)new SetOp(s))),
            (1, Gen.Constant<Op>(new ThrowOp(0))),
        ]), n)
        select new Block([.. ops]);

    private static Gen<Op> ChildOp(int groupDepth, int spawnDepth, int size, bool features)
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
            choices.Add((1, Spawn(groupDepth, spawnDepth + 1, size / 2, features)));
        }

        if (size >= 6 && groupDepth < TaskProgram.MaxGroupDepth)
        {
            choices.Add((2, GroupBody(groupDepth + 1, size / 2, features).Select(body => (Op)new GroupOp(body))));
        }

        if (features)
        {
            choices.AddRange(FeatureOps(groupDepth, size));
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
                        ops.Add(g with { Body = Walk(g.Body, new int[1]) });
                        break;
                    case StartOp st:
                        budget--;
                        ops.Add(new StartOp(Walk(st.Child, groupChildren)));
                        break;
                    case ShieldOp sh:
                        budget--;
                        ops.Add(new ShieldOp(Walk(sh.Cleanup, groupChildren)));
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
    /// throw, a wait to a yield, an outer or caller cancel or a cancel reason to an own cancel, a group
    /// option dropped or a limit lowered), then the same inside
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

    private static Block? Inner(Op op) => TaskProgram.Inner(op);

    private static Op WithInner(Op op, Block inner) => op switch
    {
        SpawnOp s => s with { Child = inner },
        GroupOp g => g with { Body = inner },
        StartOp => new StartOp(inner),
        ShieldOp => new ShieldOp(inner),
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
            case CancelReasonOp or CancelAfterOp:
                yield return new CancelOp(0);
                break;
            case GroupOp { Options: { } o } g:
                // One option fewer, or a smaller limit.
                yield return g with { Options = o with { Limit = null } };
                yield return g with { Options = o with { Deadline = false } };
                yield return g with { Options = o with { Supervise = false } };
                if (o.Limit > 1)
                {
                    yield return g with { Options = o with { Limit = o.Limit - 1 } };
                }

                break;
        }
    }
}
