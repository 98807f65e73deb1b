using System.Reflection;

namespace TaskGroups.Unit.Mutation;

/// <summary>
/// The count of open listener scopes behind <see cref="TaskGroupDiagnostics"/>'s no-listener fast path
/// (a group opened with no scope anywhere reads one static and skips the AsyncLocal). It must go up by
/// one per open scope and back down on dispose: a count left at 0 while a scope is open would make the
/// fast path hide that scope's listener from every group — in a fresh process the first listener would
/// hear nothing. Behaviour cannot show it in a shared test process (once any scope was disposed, an
/// unbalanced count is never 0 again and the slow path answers correctly), so this test reads the count.
/// </summary>
/// <remarks>Run alone: the count is process-wide.</remarks>
[Collection(nameof(ProcessWideCollection))]
public class ListenerScopeCountTests
{
    private static readonly FieldInfo OpenScopes =
        typeof(TaskGroupDiagnostics).GetField("s_openScopes", BindingFlags.Static | BindingFlags.NonPublic)
        ?? throw new InvalidOperationException("TaskGroupDiagnostics.s_openScopes not found: update this test with the fast path");

    private static int Count => (int)OpenScopes.GetValue(null)!;

    private sealed class Silent : ITaskGroupListener
    {
        public void OnEvent(in TaskGroupEvent e)
        {
        }
    }

    [Fact]
    public void Listen_OpenNestedAndDispose_CountFollowsTheOpenScopes()
    {
        int before = Count;
        IDisposable outer = TaskGroupDiagnostics.Listen(new Silent());
        Assert.Equal(before + 1, Count);
        using (TaskGroupDiagnostics.Listen(new Silent()))
        {
            Assert.Equal(before + 2, Count);
        }

        Assert.Equal(before + 1, Count);
        outer.Dispose();
        outer.Dispose(); // a second dispose changes nothing
        Assert.Equal(before, Count);
    }
}
