namespace TaskGroups.Harness.Targets;

/// <summary>
/// Shielded cleanup run beside the group instead of in it: the cleanup gets a token of its own with a
/// grace timer, as <c>withContext(NonCancellable)</c> is often emulated, but the group does not count
/// it, so a cleanup the child does not await is cut off — the group completes while it still runs
/// (invariant 1). Kotlin's NonCancellable documentation warns of exactly this use outside withContext.
/// </summary>
internal sealed class ShieldNotAwaitedTarget : FeatureVariantTarget
{
    public override string Name => "shield-not-awaited";

    public override string Description => "ShieldAsync runs the cleanup outside the group: the group does not wait for it";

    public override string Source => "https://kotlinlang.org/api/kotlinx.coroutines/kotlinx-coroutines-core/kotlinx.coroutines/-non-cancellable/ (for withContext only; not awaited otherwise)";

    public override string Breaks => "invariant 1 (the group completes before its shielded cleanup)";

    protected override IFeatureScope CreateScope(TaskGroup group, TaskGroupOptions options) => new Scope(group, options.TimeProvider);

    private sealed class Scope(TaskGroup group, TimeProvider time) : TaskGroupTarget.Scope(group)
    {
        public override Task ShieldAsync(Func<CancellationToken, Task> cleanup, TimeSpan gracePeriod)
        {
            var shield = new CancellationTokenSource();
            ITimer? grace = gracePeriod == Timeout.InfiniteTimeSpan ? null
                : time.CreateTimer(static s => ((CancellationTokenSource)s!).Cancel(), shield, gracePeriod, Timeout.InfiniteTimeSpan);
            return Run();

            async Task Run()
            {
                try
                {
                    await cleanup(shield.Token);
                }
                finally
                {
                    grace?.Dispose();
                }
            }
        }
    }
}
