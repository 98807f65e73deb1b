using System.Runtime.CompilerServices;

namespace TaskGroups;

/// <summary>Completed tasks shaped exactly as an <c>async</c> method would leave them.</summary>
internal static class Completed
{
    /// <summary>A Canceled task that keeps <paramref name="exception"/> (its token, type, message and
    /// stack trace), as an async method that threw it would: awaiting it rethrows that instance.
    /// <c>Task.FromCanceled</c> would need a cancelled token (a token-less OCE has none) and would
    /// drop the instance.</summary>
    public static Task Canceled(OperationCanceledException exception)
    {
        AsyncTaskMethodBuilder builder = AsyncTaskMethodBuilder.Create();
        builder.SetException(exception);
        return builder.Task;
    }

    /// <inheritdoc cref="Canceled(OperationCanceledException)"/>
    public static Task<T> Canceled<T>(OperationCanceledException exception)
    {
        AsyncTaskMethodBuilder<T> builder = AsyncTaskMethodBuilder<T>.Create();
        builder.SetException(exception);
        return builder.Task;
    }
}
