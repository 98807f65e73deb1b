using BenchmarkDotNet.Attributes;

namespace TaskGroups.Benchmarks;

/// <summary>Shared set-up: both sides get the same caller token, from a source that is never
/// cancelled, so that TaskGroup and the hand-rolled linked source both really link to it.</summary>
public abstract class ScenarioBase
{
    private readonly CancellationTokenSource _caller = new();

    protected CancellationToken CallerToken => _caller.Token;
}

/// <summary>Spawn N children and wait for all of them.</summary>
[MemoryDiagnoser]
public class SpawnJoin : ScenarioBase
{
    [Params(1_000, 10_000, 100_000, 1_000_000)]
    public int N { get; set; }

    [Params(ChildKind.Yielding, ChildKind.Sync)]
    public ChildKind Child { get; set; }

    [Benchmark(Baseline = true)]
    public Task HandRolledPattern() => HandRolled.SpawnJoin(N, Children.Of(Child), CallerToken);

    [Benchmark]
    public Task TaskGroupRunAsync() => WithTaskGroup.SpawnJoin(N, Children.Of(Child), CallerToken);
}

/// <summary>Spawn N children blocked on their token, cancel the group (or the linked source), and
/// wait for all of them.</summary>
[MemoryDiagnoser]
public class CancelFanOut : ScenarioBase
{
    [Params(1_000, 10_000, 100_000, 1_000_000)]
    public int N { get; set; }

    [Params(ChildKind.Delay, ChildKind.TcsRegister)]
    public ChildKind Child { get; set; }

    [Benchmark(Baseline = true)]
    public Task HandRolledPattern() => HandRolled.CancelFanOut(N, Children.Of(Child), CallerToken);

    [Benchmark]
    public Task TaskGroupRunAsync() => WithTaskGroup.CancelFanOut(N, Children.Of(Child), CallerToken);
}

/// <summary>Spawn N children blocked on their token plus one that fails: the failure cancels the
/// rest, and the failure is reported.</summary>
[MemoryDiagnoser]
public class FailureFanOut : ScenarioBase
{
    [Params(1_000, 10_000, 100_000)]
    public int N { get; set; }

    [Benchmark(Baseline = true)]
    public Task<int> HandRolledPattern() => HandRolled.FailureFanOut(N, Children.Delay, CallerToken);

    [Benchmark]
    public Task<int> TaskGroupRunAsync() => WithTaskGroup.FailureFanOut(N, Children.Delay, CallerToken);
}

/// <summary>Groups nested <see cref="Depth"/> deep, one child each; the innermost child yields once.</summary>
[MemoryDiagnoser]
public class Nested : ScenarioBase
{
    [Params(1_000)]
    public int Depth { get; set; }

    [Benchmark(Baseline = true)]
    public Task HandRolledPattern() => HandRolled.Nested(Depth, CallerToken);

    [Benchmark]
    public Task TaskGroupRunAsync() => WithTaskGroup.Nested(Depth, CallerToken);
}
