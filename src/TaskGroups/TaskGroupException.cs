using System.Text;

namespace TaskGroups;

/// <summary>
/// The exception a <see cref="TaskGroup"/> ends with when its body or any child failed.
/// <see cref="AggregateException.InnerExceptions"/> holds every failure, first failure first; a
/// nested group's failure appears as one inner <see cref="TaskGroupException"/>.
/// </summary>
/// <remarks>
/// <para><see cref="Message"/> and <see cref="ToString"/> stay small and fast at any nesting depth:
/// they summarise the leaf failures (the non-group exceptions at the bottom of the tree, found
/// without recursion) instead of concatenating every level, as <see cref="AggregateException"/>
/// would — that took seconds and megabytes a thousand groups deep, and overflowed the stack at
/// twenty thousand. The full structure stays available through
/// <see cref="AggregateException.InnerExceptions"/>.</para>
/// <para>Instances are immutable and safe to share between threads.</para>
/// </remarks>
public sealed class TaskGroupException : AggregateException
{
    /// <summary>How many leaf failures <see cref="Message"/> names.</summary>
    private const int MessageLeaves = 3;

    /// <summary>How many leaf failures <see cref="ToString"/> prints in full.</summary>
    private const int PrintedLeaves = 10;

    /// <summary>Longest leaf message quoted in <see cref="Message"/>.</summary>
    private const int MaxLeafMessage = 200;

    /// <summary>The summary, computed on first use (the tree is immutable).</summary>
    private string? _message;

    /// <summary>Leaf count, depth and first leaves of this subtree, computed on first use from the
    /// nested groups' own (cached) figures: a chain of groups that each read their child's
    /// <see cref="Message"/> — as cancel reasons do — costs linear, not quadratic, time.</summary>
    private Figures? _figures;

    /// <summary>Creates an exception holding <paramref name="failures"/>, in order.</summary>
    /// <param name="failures">Every failure of the group; at least one.</param>
    public TaskGroupException(IEnumerable<Exception> failures)
        : base("One or more tasks of the group failed.", failures)
    {
    }

    /// <summary>A one-line summary: how many failures, how deep, and the first few leaf failures.</summary>
    public override string Message => _message ??= Summarize();

    /// <summary>The summary, this exception's stack trace, and the first leaf failures in full
    /// (each with its nesting depth); the rest are counted, not printed.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(GetType().FullName).Append(": ").Append(Message);
        if (StackTrace is { } trace)
        {
            text.AppendLine().Append(trace);
        }

        int printed = 0;
        foreach ((Exception leaf, int depth) in Leaves())
        {
            if (printed == PrintedLeaves)
            {
                break;
            }

            printed++;
            text.AppendLine().Append(" ---> (failure ").Append(printed)
                .Append(depth > 1 ? $", {depth} groups deep" : string.Empty).Append(") ")
                .Append(leaf is TaskGroupException ? leaf.Message : leaf.ToString())
                .AppendLine().Append("<---");
        }

        int total = GetFigures().Leaves;
        if (total > printed)
        {
            text.AppendLine().Append(" (").Append(total - printed).Append(" more failures; see InnerExceptions)");
        }

        return text.ToString();
    }

    private string Summarize()
    {
        Figures figures = GetFigures();
        var text = new StringBuilder("One or more tasks of the group failed (")
            .Append(figures.Leaves).Append(figures.Leaves == 1 ? " failure" : " failures");
        if (figures.Depth > 1)
        {
            text.Append(", ").Append(figures.Depth).Append(" groups deep");
        }

        text.Append(')');
        for (int i = 0; i < figures.First.Length; i++)
        {
            Exception leaf = figures.First[i];
            string message = leaf.Message;
            if (message.Length > MaxLeafMessage)
            {
                message = string.Concat(message.AsSpan(0, MaxLeafMessage), "…");
            }

            text.Append(i == 0 ? ": " : "; ").Append(leaf.GetType().Name).Append(": ").Append(message);
        }

        if (figures.Leaves > MessageLeaves)
        {
            text.Append("; and ").Append(figures.Leaves - MessageLeaves).Append(" more");
        }

        return text.Append('.').ToString();
    }

    /// <summary>This subtree's figures; nested groups without figures yet are computed first, in
    /// post-order with an explicit stack (no recursion, whatever the depth).</summary>
    private Figures GetFigures()
    {
        if (_figures is { } known)
        {
            return known;
        }

        var pending = new Stack<(TaskGroupException Group, bool ChildrenDone)>();
        pending.Push((this, false));
        while (pending.Count > 0)
        {
            (TaskGroupException group, bool childrenDone) = pending.Pop();
            if (group._figures is not null)
            {
                continue;
            }

            if (!childrenDone)
            {
                pending.Push((group, true));
                foreach (Exception inner in group.InnerExceptions)
                {
                    if (IsNestedGroup(inner, out TaskGroupException? nested) && nested._figures is null)
                    {
                        pending.Push((nested, false));
                    }
                }

                continue;
            }

            int leaves = 0, depth = 1;
            var first = new List<Exception>(MessageLeaves);
            foreach (Exception inner in group.InnerExceptions)
            {
                if (IsNestedGroup(inner, out TaskGroupException? nested))
                {
                    Figures figures = nested._figures!;
                    leaves += figures.Leaves;
                    depth = Math.Max(depth, figures.Depth + 1);
                    first.AddRange(figures.First.Take(MessageLeaves - first.Count));
                }
                else
                {
                    leaves++;
                    if (first.Count < MessageLeaves)
                    {
                        first.Add(inner);
                    }
                }
            }

            // Benign race: two threads may compute the same immutable figures.
            group._figures = new Figures(leaves, depth, [.. first]);
        }

        return _figures!;
    }

    /// <summary>A nested group with failures of its own; an empty one (possible only by hand) is a leaf.</summary>
    private static bool IsNestedGroup(Exception exception, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TaskGroupException? nested)
    {
        nested = exception as TaskGroupException;
        return nested is { InnerExceptions.Count: > 0 };
    }

    /// <summary>How many leaf failures a subtree holds, how deep it is (1 for a group with only
    /// leaves), and its first <see cref="MessageLeaves"/> leaves in order.</summary>
    private sealed record Figures(int Leaves, int Depth, Exception[] First);

    /// <summary>The failures at the bottom of the tree, depth-first in order, each with the number
    /// of groups above it (1 for this group's own); nested groups are walked with an explicit stack.
    /// A nested group with no failures of its own (impossible from TaskGroup, possible by hand) is
    /// itself a leaf.</summary>
    private IEnumerable<(Exception Leaf, int Depth)> Leaves()
    {
        var pending = new Stack<(TaskGroupException Group, int Index, int Depth)>();
        pending.Push((this, 0, 1));
        while (pending.Count > 0)
        {
            (TaskGroupException group, int index, int depth) = pending.Pop();
            if (index >= group.InnerExceptions.Count)
            {
                continue;
            }

            pending.Push((group, index + 1, depth));
            Exception inner = group.InnerExceptions[index];
            if (inner is TaskGroupException { InnerExceptions.Count: > 0 } nested)
            {
                pending.Push((nested, 0, depth + 1));
            }
            else
            {
                yield return (inner, depth);
            }
        }
    }
}
