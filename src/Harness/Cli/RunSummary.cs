using System.Text.Json;
using System.Text.Json.Nodes;

namespace TaskGroups.Harness.Cli;

/// <summary>
/// The machine-readable summary of a run (<c>--json FILE</c>), for CI: what was explored, how long
/// it took, every bug with its schedule file and replay command, and the exit code.
/// </summary>
internal static class RunSummary
{
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    /// <summary>Checks before any work that <paramref name="path"/> can be written as a file.</summary>
    public static string Validate(string path)
    {
        if (path.Length == 0)
        {
            throw new UsageException("--json needs a file name");
        }

        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new UsageException($"--json '{path}' is a directory; give a file name");
        }

        string? directory = Path.GetDirectoryName(full);
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new UsageException($"--json '{path}': the directory '{directory}' does not exist");
        }

        return full;
    }

    /// <summary>Writes <paramref name="summary"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, JsonObject summary) => File.WriteAllText(path, summary.ToJsonString(s_indented) + "\n");
}
