namespace TaskGroups.Harness.Targets;

/// <summary>
/// Supervisor mode built as Kotlin's <c>supervisorScope</c> is: a child's failure goes to an exception
/// handler (here: logged and dropped) instead of to the scope, so the group ends successfully with its
/// children's failures lost — the spec's supervisor mode reports every failure at the end (invariant 5).
/// </summary>
internal sealed class SupervisorDropsFailuresTarget : FeatureVariantTarget
{
    public override string Name => "supervisor-drops-failures";

    public override string Description => "supervisor mode that hands child failures to a handler and drops them (Kotlin supervisorScope)";

    public override string Source => "https://kotlinlang.org/api/kotlinx.coroutines/kotlinx-coroutines-core/kotlinx.coroutines/supervisor-scope.html (child failures go to the CoroutineExceptionHandler)";

    public override string Breaks => "invariant 5 (a supervised child's failure is lost)";

    protected override IFeatureScope CreateScope(TaskGroup group, TaskGroupOptions options) =>
        options.FailFast ? base.CreateScope(group, options) : new Scope(group);

    private sealed class Scope(TaskGroup group) : TaskGroupTarget.Scope(group)
    {
        public override Task Spawn(Func<CancellationToken, Task> work) =>
            Group.Spawn(async ct =>
            {
                try
                {
                    await work(ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The "exception handler": the failure is handled here, never reported.
                }
            });
    }
}
