using System.Collections.Immutable;
using System.Text;

namespace TaskGroups.Harness.Programs;

/// <summary>
/// A generated task-group program: the body of the outermost group, run with a caller token that
/// <see cref="CancelCallerOp"/> cancels. Its text form (<see cref="ToString"/> / <see cref="Parse"/>)
/// is stable: trace files carry it, and <c>replay</c> rebuilds the program from it.
/// </summary>
/// <example><c>spawn { yield; throw f1 }; spawn { wait s1; cancel }; group { spawn { throw-in-cleanup f2 } }</c>;
/// with features: <c>group limit 1 deadline supervise { spawn { start { yield; started; throw f1 } }; shield { wait-grace }; cancel-reason r1 }</c></example>
public sealed record TaskProgram(Block Root)
{
    /// <summary>Most operations a generated program has.</summary>
    public const int MaxOperations = 12;

    /// <summary>Most children (spawns) per group.</summary>
    public const int MaxChildrenPerGroup = 4;

    /// <summary>Most levels of nested groups below the outermost one.</summary>
    public const int MaxGroupDepth = 2;

    /// <summary>The number of operations, nested ones included.</summary>
    public int OperationCount => Root.Count;

    /// <summary>Builds a program from operations of the outermost body.</summary>
    public static TaskProgram Of(params Op[] ops) => new(new Block([.. ops]));

    /// <summary>A block of <paramref name="ops"/>.</summary>
    public static Block B(params Op[] ops) => new([.. ops]);

    /// <summary>
    /// The canonical form: failures numbered f1, f2, … and cancel reasons r1, r2, … in program order,
    /// cancel levels that point past the outermost group clamped to it, default group options dropped,
    /// and what is not allowed where it stands dropped (a <see cref="StartedOp"/> outside a start block
    /// or after the first, a <see cref="WaitGraceOp"/> outside a shield, an operation a start or shield
    /// block cannot hold). Shrinking and parsing always produce canonical programs.
    /// </summary>
    public TaskProgram Normalize()
    {
        int failure = 0, reason = 0;
        return new TaskProgram(Walk(Root, 0, BlockKind.Task));

        Block Walk(Block block, int depth, BlockKind kind)
        {
            var ops = ImmutableArray.CreateBuilder<Op>();
            bool started = false;
            foreach (Op op in block.Ops)
            {
                if (!Allowed(op, kind) || (op is StartedOp && started))
                {
                    continue;
                }

                started |= op is StartedOp;
                ops.Add(op switch
                {
                    ThrowOp => new ThrowOp(++failure),
                    ThrowInCleanupOp => new ThrowInCleanupOp(++failure),
                    TimeoutOp => new TimeoutOp(++failure),
                    CancelReasonOp => new CancelReasonOp(++reason),
                    CancelOp c when c.Levels > depth => new CancelOp(depth),
                    CancelOp c when c.Levels < 0 => new CancelOp(0),
                    SpawnOp s => s with { Child = Walk(s.Child, depth, BlockKind.Task) },
                    GroupOp g => new GroupOp(Walk(g.Body, depth + 1, BlockKind.Task), g.Options is { IsDefault: false } o ? o with { Limit = o.Limit is int n ? Math.Clamp(n, 1, 3) : null } : null),
                    StartOp s => new StartOp(Walk(s.Child, depth, BlockKind.Start)),
                    ShieldOp s => new ShieldOp(Walk(s.Cleanup, depth, BlockKind.Shield)),
                    _ => op,
                });
            }

            return new Block(ops.ToImmutable());
        }
    }

    /// <summary>Whether any operation needs a feature target (group options, start, shield, cancel reasons).</summary>
    public bool UsesFeatures => Uses(Root, op => op is StartOp or ShieldOp or CancelReasonOp or CancelAfterOp or GroupOp { Config.IsDefault: false });

    /// <summary>Whether some operation needs the virtual clock (a deadline, a CancelAfter or a shield's grace period).</summary>
    public bool UsesClock => Uses(Root, op => op is ShieldOp or CancelAfterOp or GroupOp { Config.Deadline: true });

    private static bool Uses(Block block, Func<Op, bool> what) => block.Ops.Any(op => what(op) || (Inner(op) is { } inner && Uses(inner, what)));

    /// <summary>The block an operation holds (a spawn's child, a group's body, a start's child, a shield's cleanup).</summary>
    internal static Block? Inner(Op op) => op switch
    {
        SpawnOp s => s.Child,
        GroupOp g => g.Body,
        StartOp s => s.Child,
        ShieldOp s => s.Cleanup,
        _ => null,
    };

    /// <summary>What kind of block an operation stands in: a task's, a start child's, a shielded cleanup's.</summary>
    private enum BlockKind
    {
        Task,
        Start,
        Shield,
    }

    private static bool Allowed(Op op, BlockKind kind) => kind switch
    {
        // A start child holds simple steps: a private timeout would end its task Canceled (an async
        // method that throws an OperationCanceledException), which StartAsync reports as cancellation.
        BlockKind.Start => op is YieldOp or WaitOp or SetOp or ThrowOp or CancelOp { Levels: 0 } or CancelReasonOp or StartedOp,
        BlockKind.Shield => op is YieldOp or SetOp or ThrowOp or WaitGraceOp,
        _ => op is not (StartedOp or WaitGraceOp),
    };

    /// <inheritdoc/>
    public bool Equals(TaskProgram? other) => other is not null && Root.Equals(other.Root);

    /// <inheritdoc/>
    public override int GetHashCode() => Root.GetHashCode();

    /// <summary>The stable text form.</summary>
    public override string ToString() => Format(Root);

    /// <summary>A stable 32-bit hash of the text form (FNV-1a), for deriving Coyote seeds.</summary>
    public uint StableHash()
    {
        uint hash = 2166136261;
        foreach (char c in ToString())
        {
            hash = unchecked((hash ^ c) * 16777619);
        }

        return hash;
    }

    private static string Format(Block block) => string.Join("; ", block.Ops.Select(Format));

    private static string Format(Op op) => op switch
    {
        YieldOp => "yield",
        WaitOp w => $"wait s{w.Signal}",
        SetOp s => $"set s{s.Signal}",
        ThrowOp t => $"throw f{t.Failure}",
        ThrowInCleanupOp t => $"throw-in-cleanup f{t.Failure}",
        CancelOp { Levels: 0 } => "cancel",
        CancelOp c => $"cancel-outer {c.Levels}",
        CancelCallerOp => "cancel-caller",
        WaitCanceledOp => "wait-canceled",
        WaitLinkedOp => "wait-linked",
        TimeoutOp t => $"timeout f{t.Failure}",
        CancelOutsideOp => "cancel-outside",
        SpawnLateOp => "spawn-late",
        CancelReasonOp r => $"cancel-reason r{r.Reason}",
        CancelAfterOp => "cancel-after",
        StartedOp => "started",
        WaitGraceOp => "wait-grace",
        SpawnOp { Value: null } s => Braced("spawn", s.Child),
        SpawnOp s => Braced($"spawn-value {s.Value}", s.Child),
        GroupOp g => Braced("group" + FormatOptions(g.Config), g.Body),
        StartOp s => Braced("start", s.Child),
        ShieldOp s => Braced("shield", s.Cleanup),
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown operation"),
    };

    private static string Braced(string head, Block block) => block.Ops.IsEmpty ? $"{head} {{ }}" : $"{head} {{ {Format(block)} }}";

    private static string FormatOptions(GroupConfig config) =>
        (config.Limit is int n ? $" limit {n}" : string.Empty) + (config.Deadline ? " deadline" : string.Empty) + (config.Supervise ? " supervise" : string.Empty);

    /// <summary>Parses the text form; throws <see cref="ProgramFormatException"/> saying what is wrong.</summary>
    public static TaskProgram Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(Tokenize(text));
        Block root = parser.ParseBlock(depth: 0, BlockKind.Task);
        if (!parser.AtEnd)
        {
            throw new ProgramFormatException($"unexpected '{parser.Peek}' in program text");
        }

        return new TaskProgram(root).Normalize();
    }

    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        foreach (char c in text)
        {
            if (char.IsWhiteSpace(c) || c is '{' or '}' or ';')
            {
                if (current.Length > 0)
                {
                    tokens.Add(current.ToString());
                    current.Clear();
                }

                if (!char.IsWhiteSpace(c))
                {
                    tokens.Add(c.ToString());
                }
            }
            else
            {
                current.Append(c);
            }
        }

        if (current.Length > 0)
        {
            tokens.Add(current.ToString());
        }

        return tokens;
    }

    private sealed class Parser(List<string> tokens)
    {
        private int _next;

        public bool AtEnd => _next >= tokens.Count;

        public string Peek => AtEnd ? "end of text" : tokens[_next];

        public Block ParseBlock(int depth, BlockKind kind)
        {
            var ops = ImmutableArray.CreateBuilder<Op>();
            bool started = false;
            while (!AtEnd && Peek != "}")
            {
                if (Peek == ";")
                {
                    _next++;
                    continue;
                }

                string word = Peek;
                Op op = ParseOp(depth);
                if (!Allowed(op, kind))
                {
                    throw new ProgramFormatException(kind switch
                    {
                        BlockKind.Start => $"'{word}' cannot stand in a start block (only yield, wait, set, throw, cancel, cancel-reason, started)",
                        BlockKind.Shield => $"'{word}' cannot stand in a shield block (only yield, set, throw, wait-grace)",
                        _ => $"'{word}' stands only in a {(op is StartedOp ? "start" : "shield")} block",
                    });
                }

                if (op is StartedOp && started)
                {
                    throw new ProgramFormatException("a start block calls started at most once");
                }

                started |= op is StartedOp;
                ops.Add(op);
            }

            return new Block(ops.ToImmutable());
        }

        private Op ParseOp(int depth)
        {
            string word = Take();
            return word switch
            {
                "yield" => new YieldOp(),
                "wait" => new WaitOp(Number("s")),
                "set" => new SetOp(Number("s")),
                "throw" => new ThrowOp(Number("f")),
                "throw-in-cleanup" => new ThrowInCleanupOp(Number("f")),
                "cancel" => new CancelOp(0),
                "cancel-outer" => Levels(depth),
                "cancel-caller" => new CancelCallerOp(),
                "wait-canceled" => new WaitCanceledOp(),
                "wait-linked" => new WaitLinkedOp(),
                "timeout" => new TimeoutOp(Number("f")),
                "cancel-outside" => new CancelOutsideOp(),
                "spawn-late" => new SpawnLateOp(),
                "cancel-reason" => new CancelReasonOp(Number("r")),
                "cancel-after" => new CancelAfterOp(),
                "started" => new StartedOp(),
                "wait-grace" => new WaitGraceOp(),
                "spawn" => new SpawnOp(Braced(depth, BlockKind.Task)),
                "spawn-value" => SpawnValue(depth),
                "group" => Group(depth),
                "start" => new StartOp(Braced(depth, BlockKind.Start)),
                "shield" => new ShieldOp(Braced(depth, BlockKind.Shield)),
                _ => throw new ProgramFormatException($"unknown operation '{word}'"),
            };
        }

        private CancelOp Levels(int depth)
        {
            int levels = Number(string.Empty);
            return levels < 1 || levels > depth
                ? throw new ProgramFormatException($"cancel-outer {levels}: there are only {depth} enclosing group(s) here")
                : new CancelOp(levels);
        }

        private SpawnOp SpawnValue(int depth)
        {
            int value = Number(string.Empty);
            return new SpawnOp(Braced(depth, BlockKind.Task), value);
        }

        /// <summary><c>group [limit N] [deadline] [supervise] { … }</c>, options in that order.</summary>
        private GroupOp Group(int depth)
        {
            int? limit = null;
            if (Peek == "limit")
            {
                _next++;
                limit = Number(string.Empty);
                if (limit is < 1 or > 3)
                {
                    throw new ProgramFormatException($"limit {limit}: a program's limit is 1, 2 or 3");
                }
            }

            bool deadline = Optional("deadline");
            bool supervise = Optional("supervise");
            var config = new GroupConfig(limit, deadline, supervise);
            return new GroupOp(Braced(depth + 1, BlockKind.Task), config.IsDefault ? null : config);
        }

        private bool Optional(string word)
        {
            if (Peek != word)
            {
                return false;
            }

            _next++;
            return true;
        }

        private Block Braced(int depth, BlockKind kind)
        {
            Expect("{");
            Block block = ParseBlock(depth, kind);
            Expect("}");
            return block;
        }

        private int Number(string prefix)
        {
            string word = Take();
            return word.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(word.AsSpan(prefix.Length), out int n) && n >= 0
                ? n
                : throw new ProgramFormatException($"expected {(prefix.Length == 0 ? "a number" : $"'{prefix}N'")}, found '{word}'");
        }

        private void Expect(string token)
        {
            string word = Take();
            if (word != token)
            {
                throw new ProgramFormatException($"expected '{token}', found '{word}'");
            }
        }

        private string Take() => AtEnd ? throw new ProgramFormatException("unexpected end of program text") : tokens[_next++];
    }
}
