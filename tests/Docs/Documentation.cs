using System.Text.RegularExpressions;

namespace TaskGroups.Docs;

/// <summary>The Markdown files whose code blocks are checked, and their fenced blocks.</summary>
internal static partial class Documentation
{
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TaskGroups.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>README.md, the package README and everything under docs/ except docs/semantics.md:
    /// that is a verbatim copy of the project's spec, whose API blocks are declarations, not code
    /// to paste.</summary>
    public static IReadOnlyList<string> Files
    {
        get
        {
            string root = RepositoryRoot;
            var files = new List<string> { Path.Combine(root, "README.md"), Path.Combine(root, "src", "TaskGroups", "README.md") };
            string docs = Path.Combine(root, "docs");
            if (Directory.Exists(docs))
            {
                files.AddRange(Directory.GetFiles(docs, "*.md", SearchOption.AllDirectories)
                    .Where(f => Path.GetFileName(f) != "semantics.md")
                    .Order(StringComparer.Ordinal));
            }

            return files;
        }
    }

    /// <summary>Every fenced block (``` or ~~~) of every checked file.</summary>
    public static IReadOnlyList<CodeBlock> Blocks => [.. Files.SelectMany(f => Parse(Path.GetRelativePath(RepositoryRoot, f), File.ReadAllText(f)))];

    /// <summary>The fenced blocks of one Markdown text (CommonMark fences, not indented blocks).</summary>
    public static IEnumerable<CodeBlock> Parse(string file, string markdown)
    {
        string[] lines = markdown.ReplaceLineEndings("\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            Match open = Fence().Match(lines[i]);
            if (!open.Success)
            {
                continue;
            }

            string fence = open.Groups["fence"].Value;
            int start = i;
            var body = new List<string>();
            for (i++; i < lines.Length && !IsClosing(lines[i], fence); i++)
            {
                body.Add(lines[i]);
            }

            yield return new CodeBlock(file, start + 1, open.Groups["info"].Value.Trim(), string.Join('\n', body));
        }
    }

    private static bool IsClosing(string line, string fence)
    {
        string trimmed = line.Trim();
        return trimmed.Length >= fence.Length && trimmed.All(c => c == fence[0]);
    }

    [GeneratedRegex(@"^ {0,3}(?<fence>`{3,}|~{3,})(?<info>[^`]*)$")]
    private static partial Regex Fence();
}
