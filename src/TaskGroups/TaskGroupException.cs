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

        int printed = 0, total = 0;
        foreach ((Exception leaf, int depth) in Leaves())
        {
            total++;
            if (printed < PrintedLeaves)
            {
                printed++;
                text.AppendLine().Append(" ---> (failure ").Append(total)
                    .Append(depth > 1 ? $", {depth} groups deep" : string.Empty).Append(") ")
                    .Append(leaf is TaskGroupException ? leaf.Message : leaf.ToString())
                    .AppendLine().Append("<---");
            }
        }

        if (total > printed)
        {
            text.AppendLine().Append(" (").Append(total - printed).Append(" more failures; see InnerExceptions)");
        }

        return text.ToString();
    }

    private string Summarize()
    {
        var text = new StringBuilder("One or more tasks of the group failed");
        var named = new StringBuilder();
        int total = 0, deepest = 1;
        foreach ((Exception leaf, int depth) in Leaves())
        {
            total++;
            deepest = Math.Max(deepest, depth);
            if (total <= MessageLeaves)
            {
                string message = leaf.Message;
                if (message.Length > MaxLeafMessage)
                {
                    message = string.Concat(message.AsSpan(0, MaxLeafMessage), "…");
                }

                named.Append(total == 1 ? ": " : "; ").Append(leaf.GetType().Name).Append(": ").Append(message);
            }
        }

        text.Append(" (").Append(total).Append(total == 1 ? " failure" : " failures");
        if (deepest > 1)
        {
            text.Append(", ").Append(deepest).Append(" groups deep");
        }

        text.Append(')').Append(named);
        if (total > MessageLeaves)
        {
            text.Append("; and ").Append(total - MessageLeaves).Append(" more");
        }

        return text.Append('.').ToString();
    }

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
