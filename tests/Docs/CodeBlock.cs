namespace TaskGroups.Docs;

/// <summary>One fenced code block of a Markdown file.</summary>
/// <param name="File">The file, relative to the repository root.</param>
/// <param name="Line">The 1-based line of its opening fence.</param>
/// <param name="Info">The fence's info string, e.g. <c>csharp</c> or <c>csharp fragment</c>.</param>
/// <param name="Code">The block's text.</param>
public sealed record CodeBlock(string File, int Line, string Info, string Code)
{
    /// <summary>The word after the language that marks a block as not meant to compile on its own
    /// (an excerpt, a signature listing). GitHub and package pages read only the first word of the
    /// info string, so the marker does not change how the block is shown.</summary>
    public const string FragmentMarker = "fragment";

    /// <summary>The block's language: the first word of the info string.</summary>
    public string Language => Info.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? string.Empty;

    /// <summary>Whether the block claims to compile: C# and not marked as a fragment.</summary>
    public bool ClaimsToCompile =>
        Language is "csharp" or "cs" or "c#"
        && !Info.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Contains(FragmentMarker);

    /// <inheritdoc/>
    public override string ToString() => $"{File}:{Line}";
}
