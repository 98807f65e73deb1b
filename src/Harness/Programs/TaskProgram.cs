using System.Collections.Immutable;
using System.Text;

namespace TaskGroups.Harness.Programs;

/// <summary>
/// A generated task-group program: the body of the outermost group, run with a caller token that
/// <see cref="CancelCallerOp"/> cancels. Its text form (<see cref="ToString"/> / <see cref="Parse"/>)
/// is stable: trace files carry it, and <c>replay</c> rebuilds the program from it.
/// </summary>
/// <example><c>spawn { yield; throw f1 }; spawn { wait s1; cancel }; group { spawn { throw-in-cleanup f2 } }</c></example>
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
    /// The canonical form: failures numbered f1, f2, … in program order, cancel levels that point past
    /// the outermost group clamped to it. Shrinking and parsing always produce canonical programs.
    /// </summary>
    public TaskProgram Normalize()
    {
        int failure = 0;
        return new TaskProgram(Walk(Root, 0));

        Block Walk(Block block, int depth) => new([.. block.Ops.Select(op => op switch
        {
            ThrowOp => new ThrowOp(++failure),
            ThrowInCleanupOp => new ThrowInCleanupOp(++failure),
            TimeoutOp => new TimeoutOp(++failure),
            CancelOp c when c.Levels > depth => new CancelOp(depth),
            CancelOp c when c.Levels < 0 => new CancelOp(0),
            SpawnOp s => s with { Child = Walk(s.Child, depth) },
            GroupOp g => new GroupOp(Walk(g.Body, depth + 1)),
            _ => op,
        })]);
    }

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
        SpawnOp { Value: null } s => $"spawn {{ {Format(s.Child)} }}".Replace("{  }", "{ }", StringComparison.Ordinal),
        SpawnOp s => $"spawn-value {s.Value} {{ {Format(s.Child)} }}".Replace("{  }", "{ }", StringComparison.Ordinal),
        GroupOp g => $"group {{ {Format(g.Body)} }}".Replace("{  }", "{ }", StringComparison.Ordinal),
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown operation"),
    };

    /// <summary>Parses the text form; throws <see cref="ProgramFormatException"/> saying what is wrong.</summary>
    public static TaskProgram Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(Tokenize(text));
        Block root = parser.ParseBlock(depth: 0);
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

        public Block ParseBlock(int depth)
        {
            var ops = ImmutableArray.CreateBuilder<Op>();
            while (!AtEnd && Peek != "}")
            {
                if (Peek == ";")
                {
                    _next++;
                    continue;
                }

                ops.Add(ParseOp(depth));
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
                "spawn" => new SpawnOp(Braced(depth)),
                "spawn-value" => SpawnValue(depth),
                "group" => new GroupOp(Braced(depth + 1)),
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
            return new SpawnOp(Braced(depth), value);
        }

        private Block Braced(int depth)
        {
            Expect("{");
            Block block = ParseBlock(depth);
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
