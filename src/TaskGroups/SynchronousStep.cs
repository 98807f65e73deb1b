using System.Runtime.CompilerServices;

namespace TaskGroups;

/// <summary>A one-step "state machine" that runs a child's (or the body's) delegate through
/// <see cref="AsyncTaskMethodBuilder.Start{TStateMachine}(ref TStateMachine)"/>, so that the
/// delegate's synchronous part gets an async method's execution-context isolation.</summary>
/// <typeparam name="TArg">The delegate's argument.</typeparam>
internal struct SynchronousStep<TArg>(TaskGroup group, Func<TArg, Task> work, TArg argument, int childId) : IAsyncStateMachine
{
    /// <summary>The delegate's task, set by <see cref="MoveNext"/>.</summary>
    public Task? Result;

    public void MoveNext() => Result = group.InvokeCore(work, argument, childId);

    public readonly void SetStateMachine(IAsyncStateMachine stateMachine)
    {
    }
}
