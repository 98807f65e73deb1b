namespace TaskGroups.Systematic.Infrastructure;

/// <summary>The planted race the runner's own tests look for: two children increment a shared counter
/// non-atomically, with a scheduling point between the read and the write, so some schedule loses an
/// update.</summary>
internal static class LostUpdateRace
{
    /// <summary>Runs the two children in a group; returns the counter (2 unless an update was lost).</summary>
    /// <param name="atomic">The fixed version: the children increment with <see cref="Interlocked"/>.</param>
    public static async Task<int> CountAsync(bool atomic = false)
    {
        int counter = 0;
        await TaskGroup.RunAsync(group =>
        {
            for (int i = 0; i < 2; i++)
            {
                _ = group.Spawn(async _ =>
                {
                    if (atomic)
                    {
                        await Task.Yield();
                        Interlocked.Increment(ref counter);
                        return;
                    }

                    int read = counter;
                    await Task.Yield();
                    counter = read + 1;
                });
            }

            return Task.CompletedTask;
        });
        return counter;
    }
}
