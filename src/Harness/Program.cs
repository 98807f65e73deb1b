namespace TaskGroups.Harness;

internal static class Program
{
    private static int Main(string[] args)
    {
        Console.WriteLine("harness: not yet implemented");
        return 2;
    }
}
