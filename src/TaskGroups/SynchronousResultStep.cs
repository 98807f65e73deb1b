using System.Runtime.CompilerServices;

namespace TaskGroups;

/// <summary><see cref="SynchronousStep{TArg}"/> for a child that produces a result.</summary>
/// <typeparam name="T">The child's result.</typeparam>
internal struct SynchronousResultStep<T>(TaskGroup group, Func<CancellationToken, Task<T>> work, int childId) : IAsyncStateMachine
{
    /// <summary>The delegate's task, set by <see cref="MoveNext"/>.</summary>
    public Task<T>? Result;

    public void MoveNext() => Result = group.InvokeCore(work, childId);

    public readonly void SetStateMachine(IAsyncStateMachine stateMachine)
    {
    }
}
