using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace TaskGroups.Unit.CoreV2;

/// <summary>One way .NET code waits for and reports cancellation inside a child: it blocks until the
/// child's token <c>ct</c> is cancelled, then ends the way the idiom does.</summary>
public sealed class CancellationIdiom(string name, Func<CancellationToken, Task> block)
{
    public string Name { get; } = name;

    public Func<CancellationToken, Task> Block { get; } = block;

    public override string ToString() => Name;

    /// <summary>The idioms: each blocks until <c>ct</c> is cancelled and then throws some
    /// <see cref="OperationCanceledException"/> — with <c>ct</c>, another token, or none.</summary>
    public static IReadOnlyList<CancellationIdiom> All { get; } =
    [
        new("Task.Delay(Infinite, ct)", ct => Task.Delay(Timeout.Infinite, ct)),
        new("tcs + Register(TrySetCanceled())", async ct =>
        {
            var tcs = new TaskCompletionSource();
            using CancellationTokenRegistration r = ct.Register(() => tcs.TrySetCanceled());
            await tcs.Task;
        }),
        new("tcs + Register(TrySetCanceled(ct))", async ct =>
        {
            var tcs = new TaskCompletionSource();
            using CancellationTokenRegistration r = ct.Register(() => tcs.TrySetCanceled(ct));
            await tcs.Task;
        }),
        new("tcs + Register(TrySetException(new OCE()))", async ct =>
        {
            var tcs = new TaskCompletionSource();
            using CancellationTokenRegistration r = ct.Register(() => tcs.TrySetException(new OperationCanceledException()));
            await tcs.Task;
        }),
        new("linked source", async ct =>
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
            await Task.Delay(Timeout.Infinite, linked.Token);
        }),
        new("linked with another token", async ct =>
        {
            using var other = new CancellationTokenSource();
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, other.Token);
            await Task.Delay(Timeout.Infinite, linked.Token);
        }),
        new("per-operation timeout linked.CancelAfter", async ct =>
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
            linked.CancelAfter(TimeSpan.FromHours(1));
            await Task.Delay(Timeout.Infinite, linked.Token);
        }),
        new("throw new OperationCanceledException()", async ct =>
        {
            await TestSupport.WhenCancelled(ct);
            throw new OperationCanceledException();
        }),
        new("throw new TaskCanceledException()", async ct =>
        {
            await TestSupport.WhenCancelled(ct);
            throw new TaskCanceledException();
        }),
        new("throw new OperationCanceledException(message)", async ct =>
        {
            await TestSupport.WhenCancelled(ct);
            throw new OperationCanceledException("stopped");
        }),
        new("ct.ThrowIfCancellationRequested()", async ct =>
        {
            await TestSupport.WhenCancelled(ct);
            ct.ThrowIfCancellationRequested();
        }),
        new("catch and rethrow a new OCE", async ct =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException e)
            {
                throw new OperationCanceledException("wrapped", e);
            }
        }),
        new("async iterator WithCancellation", async ct =>
        {
            await foreach (int _ in Endless().WithCancellation(ct))
            {
            }
        }),
        new("async iterator passed the token", async ct =>
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
            await foreach (int _ in Endless(linked.Token))
            {
            }
        }),
        new("WaitAsync(ct)", ct => new TaskCompletionSource().Task.WaitAsync(ct)),
        new("WaitAsync(linked)", async ct =>
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
            await new TaskCompletionSource().Task.WaitAsync(linked.Token);
        }),
        new("SemaphoreSlim.WaitAsync(ct)", async ct =>
        {
            using var gate = new SemaphoreSlim(0);
            await gate.WaitAsync(ct);
        }),
        new("Channel ReadAsync(ct)", async ct =>
        {
            Channel<int> channel = Channel.CreateUnbounded<int>();
            await channel.Reader.ReadAsync(ct);
        }),
        new("Task.Run(work, ct) observing ct", ct => Task.Run(() => Task.Delay(Timeout.Infinite, ct), ct)),
        new("Task.WhenAll of linked waits", async ct =>
        {
            using var a = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var b = CancellationTokenSource.CreateLinkedTokenSource(ct);
            await Task.WhenAll(new[] { Task.Delay(Timeout.Infinite, a.Token), Task.Delay(Timeout.Infinite, b.Token) });
        }),
        new("PeriodicTimer.WaitForNextTickAsync(ct)", async ct =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromHours(1));
            await timer.WaitForNextTickAsync(ct);
        }),
        new("Parallel.ForEachAsync(ct)", ct => Parallel.ForEachAsync(new[] { 1, 2 }, ct, async (_, inner) => await Task.Delay(Timeout.Infinite, inner))),
        new("ValueTask over a TCS cancelled without a token", async ct =>
        {
            var tcs = new TaskCompletionSource<int>();
            using CancellationTokenRegistration r = ct.Register(() => tcs.TrySetCanceled());
            await new ValueTask<int>(tcs.Task);
        }),
    ];

    private static async IAsyncEnumerable<int> Endless([EnumeratorCancellation] CancellationToken ct = default)
    {
        var never = new TaskCompletionSource<int>();
        using CancellationTokenRegistration r = ct.Register(() => never.TrySetCanceled());
        yield return await never.Task;
    }
}
