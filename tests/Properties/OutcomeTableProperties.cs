using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace TaskGroups.Properties;

/// <summary>What one generated child does.</summary>
public enum ChildKind
{
    /// <summary>Yields a few times, then returns.</summary>
    Succeed,

    /// <summary>Yields a few times, then throws (whether or not the group was cancelled).</summary>
    Fail,

    /// <summary>Blocks on the token; when it fires, throws from <c>finally</c>.</summary>
    FailDuringCleanup,

    /// <summary>Yields a few times, then calls <see cref="TaskGroup.Cancel()"/>.</summary>
    CancelGroup,

    /// <summary>Blocks on the token; when it fires, keeps running for a few yields, then ends with
    /// the group's own signal.</summary>
    IgnoreCancellation,
}

/// <summary>One generated child: what it does and how many yields it takes before doing it.</summary>
public readonly record struct ChildSpec(ChildKind Kind, int Yields)
{
    public override string ToString() => Yields == 0 ? Kind.ToString() : $"{Kind}/{Yields}";
}

/// <summary>
/// A generated group: its children, and where the body cancels the caller's token (after spawning
/// that many children; null: never) or the group itself. The body spawns the children in order.
/// </summary>
public sealed record Scenario(ImmutableArray<ChildSpec> Children, int? CallerCancelAfter, int? BodyCancelAfter)
{
    /// <summary>Children that wait for the token need someone to cancel: if nothing else will, the
    /// body calls Cancel() after spawning everything. Deciding this up front keeps the property exact.</summary>
    public int? EffectiveBodyCancelAfter =>
        BodyCancelAfter
        ?? (Children.Any(c => c.Kind is ChildKind.FailDuringCleanup or ChildKind.IgnoreCancellation)
            && CallerCancelAfter is null
            && !Children.Any(c => c.Kind is ChildKind.Fail or ChildKind.CancelGroup)
                ? Children.Length
                : null);

    public override string ToString() =>
        $"[{string.Join(", ", Children)}] callerCancelAfter={CallerCancelAfter?.ToString() ?? "-"} bodyCancelAfter={BodyCancelAfter?.ToString() ?? "-"}";

    public static Scenario Create(IEnumerable<ChildSpec> children, int? callerCancelAfter, int? bodyCancelAfter)
    {
        ImmutableArray<ChildSpec> list = [.. children];
        return new Scenario(
            list,
            callerCancelAfter is int c ? Math.Min(c, list.Length) : null,
            bodyCancelAfter is int b ? Math.Min(b, list.Length) : null);
    }
}

/// <summary>Generator and shrinker for <see cref="Scenario"/>.</summary>
public static class ScenarioArbitrary
{
    private static readonly Gen<ChildSpec> ChildGen =
        from kind in Gen.Frequency(
            (4, Gen.Constant(ChildKind.Succeed)),
            (2, Gen.Constant(ChildKind.Fail)),
            (2, Gen.Constant(ChildKind.FailDuringCleanup)),
            (2, Gen.Constant(ChildKind.CancelGroup)),
            (2, Gen.Constant(ChildKind.IgnoreCancellation)))
        from yields in Gen.Choose(0, 3)
        select new ChildSpec(kind, yields);

    private static Gen<int?> PositionGen(int count, int weightNone) =>
        Gen.Frequency(
            (weightNone, Gen.Constant<int?>(null)),
            (1, Gen.Choose(0, count).Select(i => (int?)i)));

    private static readonly Gen<Scenario> ScenarioGen =
        from children in Gen.Choose(0, 8).SelectMany(n => Gen.ArrayOf(ChildGen, n))
        from caller in PositionGen(children.Length, 3)
        from body in PositionGen(children.Length, 3)
        select Scenario.Create(children, caller, body);

    /// <summary>Shrinks toward fewer, simpler children and fewer cancellations.</summary>
    public static IEnumerable<Scenario> Shrink(Scenario s)
    {
        if (s.CallerCancelAfter is not null)
        {
            yield return s with { CallerCancelAfter = null };
        }

        if (s.BodyCancelAfter is not null)
        {
            yield return s with { BodyCancelAfter = null };
        }

        for (int i = 0; i < s.Children.Length; i++)
        {
            yield return Scenario.Create(s.Children.RemoveAt(i), Shift(s.CallerCancelAfter, i), Shift(s.BodyCancelAfter, i));
        }

        for (int i = 0; i < s.Children.Length; i++)
        {
            ChildSpec c = s.Children[i];
            if (c.Yields > 0)
            {
                yield return s with { Children = s.Children.SetItem(i, c with { Yields = 0 }) };
            }

            if (c.Kind != ChildKind.Succeed)
            {
                yield return s with { Children = s.Children.SetItem(i, c with { Kind = ChildKind.Succeed }) };
            }
        }

        static int? Shift(int? position, int removed) => position is int p && p > removed ? p - 1 : position;
    }

    public static Arbitrary<Scenario> Scenarios() => Arb.From(ScenarioGen, Shrink);
}

/// <summary>
/// FsCheck properties of the outcome table (spec/semantics.md) over generated mixes of child
/// outcomes, on the real thread pool (not under Coyote, although this assembly is rewritten).
/// </summary>
public class OutcomeTableProperties
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>A child's failure, tagged with its index so that the expected set is exact.</summary>
    public sealed class ChildFailureException(int index, bool cleanup)
        : Exception($"child {index} failed{(cleanup ? " during cleanup" : string.Empty)}")
    {
        public int Index { get; } = index;
    }

    /// <summary>What happened in one run, for the checks.</summary>
    private sealed record Observation(
        Task Run,
        TaskGroup Group,
        bool AllChildrenCompletedAtCompletion,
        int ChildrenFinishedAtCompletion,
        bool SpawnAfterCompletionThrew,
        CancellationToken CallerToken);

    private static async Task Steps(int yields)
    {
        for (int i = 0; i < yields; i++)
        {
            await Task.Yield();
        }
    }

    private static Func<CancellationToken, Task> Child(TaskGroup g, ChildSpec spec, int index, Action finished) => spec.Kind switch
    {
        ChildKind.Succeed => async ct =>
        {
            try { await Steps(spec.Yields); } finally { finished(); }
        },
        ChildKind.Fail => async ct =>
        {
            try { await Steps(spec.Yields); throw new ChildFailureException(index, cleanup: false); } finally { finished(); }
        },
        ChildKind.FailDuringCleanup => async ct =>
        {
            try
            {
                await Task.Delay(System.Threading.Timeout.Infinite, ct);
            }
            finally
            {
                await Steps(spec.Yields);
                finished();
                throw new ChildFailureException(index, cleanup: true);
            }
        },
        ChildKind.CancelGroup => async ct =>
        {
            try { await Steps(spec.Yields); g.Cancel(); } finally { finished(); }
        },
        ChildKind.IgnoreCancellation => async ct =>
        {
            try
            {
                var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                using (ct.Register(() => fired.TrySetResult()))
                {
                    await fired.Task;
                }

                await Steps(spec.Yields + 2); // keeps running after the token fired
                ct.ThrowIfCancellationRequested();
            }
            finally
            {
                finished();
            }
        },
        _ => throw new ArgumentOutOfRangeException(nameof(spec)),
    };

    private static async Task<Observation> Execute(Scenario s)
    {
        using var caller = new CancellationTokenSource();
        var tasks = new List<Task>();
        int finished = 0;
        TaskGroup? group = null;
        int? bodyCancelAt = s.EffectiveBodyCancelAfter;

        void Between(TaskGroup g, int spawned)
        {
            if (s.CallerCancelAfter == spawned)
            {
                caller.Cancel();
            }

            if (bodyCancelAt == spawned)
            {
                g.Cancel();
            }
        }

        Task run = TaskGroup.RunAsync(async g =>
        {
            group = g;
            await Task.Yield();
            for (int i = 0; i < s.Children.Length; i++)
            {
                Between(g, i);
                Task t = g.Spawn(Child(g, s.Children[i], i, () => Interlocked.Increment(ref finished)));
                lock (tasks)
                {
                    tasks.Add(t);
                }
            }

            Between(g, s.Children.Length);
        }, caller.Token);

        bool allCompleted = false;
        int finishedAtCompletion = -1;
        Task snapshot = run.ContinueWith(
            _ =>
            {
                lock (tasks)
                {
                    allCompleted = tasks.Count == s.Children.Length && tasks.TrueForAll(t => t.IsCompleted);
                }

                finishedAtCompletion = Volatile.Read(ref finished);
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

        try
        {
            await run.WaitAsync(Timeout);
        }
        catch (Exception ex) when (ex is TaskGroupException or OperationCanceledException)
        {
        }

        await snapshot.WaitAsync(Timeout);
        bool spawnThrew = false;
        bool lateChildRan = false;
        try
        {
            _ = group!.Spawn(_ => { lateChildRan = true; return Task.CompletedTask; });
        }
        catch (InvalidOperationException)
        {
            spawnThrew = true;
        }

        spawnThrew &= !lateChildRan; // closed means the delegate never runs, not just that Spawn threw

        return new Observation(run, group!, allCompleted, finishedAtCompletion, spawnThrew, caller.Token);
    }

    private static void Check(bool condition, string what, Scenario s, Observation o)
    {
        if (!condition)
        {
            string detail = o.Run.Status switch
            {
                TaskStatus.Faulted => string.Join(", ", o.Run.Exception!.InnerExceptions
                    .SelectMany(e => e is AggregateException a ? a.InnerExceptions : [e])
                    .Select(e => e.Message)),
                _ => string.Empty,
            };
            throw new InvalidOperationException(
                $"{what} does not hold for {s}: status={o.Run.Status} caught={o.Group.CancellationCaught} {detail}");
        }
    }

    /// <summary>The outcome table: Faulted iff some child fails (then exactly those failures, first
    /// failure first), else Canceled with the caller's token iff it was cancelled, else
    /// RanToCompletion with CancellationCaught iff the group cancelled itself.</summary>
    [Property(Arbitrary = [typeof(ScenarioArbitrary)], MaxTest = 300)]
    public async Task OutcomeTable_Meets_Specification(Scenario s)
    {
        Observation o = await Task.Run(() => Execute(s)).WaitAsync(Timeout);

        var expectedFailures = new HashSet<int>(Enumerable.Range(0, s.Children.Length)
            .Where(i => s.Children[i].Kind is ChildKind.Fail or ChildKind.FailDuringCleanup));
        bool selfCancel = s.EffectiveBodyCancelAfter is not null || s.Children.Any(c => c.Kind == ChildKind.CancelGroup);

        if (expectedFailures.Count > 0)
        {
            Check(o.Run.Status == TaskStatus.Faulted, "Faulted iff some child fails", s, o);
            var ex = (TaskGroupException)o.Run.Exception!.InnerExceptions.Single();
            var actual = ex.InnerExceptions.Select(e => e is ChildFailureException f ? f.Index : -1).ToList();
            Check(actual.Count == expectedFailures.Count && expectedFailures.SetEquals(actual),
                "InnerExceptions holds exactly every failure", s, o);

            // Without any cancellation source other than failures, a cleanup failure can only follow
            // a plain failure: the first recorded failure must be a plain one.
            if (!selfCancel && s.CallerCancelAfter is null)
            {
                var first = (ChildFailureException)ex.InnerExceptions[0];
                Check(s.Children[first.Index].Kind == ChildKind.Fail, "first failure first", s, o);
            }

            Check(!o.Group.CancellationCaught, "CancellationCaught is false when Faulted", s, o);
        }
        else if (s.CallerCancelAfter is not null)
        {
            Check(o.Run.Status == TaskStatus.Canceled, "Canceled iff the caller's token was cancelled", s, o);
            OperationCanceledException? oce = Record(o.Run);
            Check(oce is not null && oce.CancellationToken == o.CallerToken, "the OCE carries the caller's token", s, o);
            Check(!o.Group.CancellationCaught, "CancellationCaught is false when Canceled", s, o);
        }
        else
        {
            Check(o.Run.Status == TaskStatus.RanToCompletion, "RanToCompletion otherwise", s, o);
            Check(o.Group.CancellationCaught == selfCancel, "CancellationCaught iff the group cancelled itself", s, o);
        }

        Check(o.Group.IsCancellationRequested == (selfCancel || expectedFailures.Count > 0 || s.CallerCancelAfter is not null),
            "the token is cancelled iff something cancelled the group", s, o);
    }

    /// <summary>Invariant 1 and 8 over the same mixes: every child completed (and ran its finally)
    /// before RunAsync completed, and the group is closed afterwards.</summary>
    [Property(Arbitrary = [typeof(ScenarioArbitrary)], MaxTest = 200)]
    public async Task Containment_Meets_Specification(Scenario s)
    {
        Observation o = await Task.Run(() => Execute(s)).WaitAsync(Timeout);
        Check(o.AllChildrenCompletedAtCompletion, "every child task completed before RunAsync (invariant 1)", s, o);
        Check(o.ChildrenFinishedAtCompletion == s.Children.Length, "every child's finally ran before RunAsync (invariant 1)", s, o);
        Check(o.SpawnAfterCompletionThrew, "Spawn after completion throws (invariant 8)", s, o);
    }

    private static OperationCanceledException? Record(Task run)
    {
        try
        {
            run.GetAwaiter().GetResult();
            return null;
        }
        catch (OperationCanceledException oce)
        {
            return oce;
        }
    }

    /// <summary>The shrinker only ever produces smaller, valid scenarios (so counterexamples stay meaningful).</summary>
    [Property(Arbitrary = [typeof(ScenarioArbitrary)], MaxTest = 200)]
    public bool Shrinker_Meets_Specification(Scenario s) =>
        ScenarioArbitrary.Shrink(s).All(t =>
            t.Children.Length <= s.Children.Length
            && (t.CallerCancelAfter is null || t.CallerCancelAfter <= t.Children.Length)
            && (t.BodyCancelAfter is null || t.BodyCancelAfter <= t.Children.Length)
            && !t.Equals(s));
}
