using Xunit;

namespace TaskGroups.Docs;

/// <summary>
/// Every C# block of README.md, the package README and docs/ that claims to compile (not marked
/// <c>```csharp fragment</c>) compiles without warnings when pasted into a new console project
/// referencing TaskGroups.
/// </summary>
public sealed class CodeBlockTests
{
    public static TheoryData<string> CompilingBlocks()
    {
        var data = new TheoryData<string>();
        foreach (CodeBlock block in Documentation.Blocks.Where(b => b.ClaimsToCompile))
        {
            data.Add(block.ToString());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CompilingBlocks))]
    public void DocumentedCode_Compiles(string location)
    {
        CodeBlock block = Documentation.Blocks.Single(b => b.ToString() == location);
        IReadOnlyList<string> problems = SnippetCompiler.Diagnose(block.Code);
        Assert.True(problems.Count == 0, $"{location} does not compile as pasted (mark it ```csharp {CodeBlock.FragmentMarker} if it is an excerpt):\n{string.Join('\n', problems)}");
    }

    [Fact]
    public void Documentation_HasCompilingQuickStarts()
    {
        // The quick starts of both READMEs are programs that must stay checked, not be marked away.
        string[] files = [.. Documentation.Blocks.Where(b => b.ClaimsToCompile && b.Code.Contains("TaskGroup.RunAsync", StringComparison.Ordinal)).Select(b => b.File)];
        Assert.Contains("README.md", files);
        Assert.Contains(Path.Combine("src", "TaskGroups", "README.md"), files);
    }

    [Fact]
    public void SnippetCompiler_RejectsTheOldQuickStart()
    {
        // The quick start as it was: `cancellationToken` was never defined.
        const string Code = """
            using TaskGroups;

            await TaskGroup.RunAsync(group =>
            {
                _ = group.Spawn(ct => Task.Delay(1000, ct));
                return Task.CompletedTask;
            }, cancellationToken);
            """;
        Assert.Contains(SnippetCompiler.Diagnose(Code), p => p.Contains("CS0103", StringComparison.Ordinal) && p.Contains("cancellationToken", StringComparison.Ordinal));
    }

    [Fact]
    public void SnippetCompiler_CountsWarnings()
    {
        // An async lambda without await is a warning (CS1998): a block that warns is not "compiling".
        const string Code = """
            using TaskGroups;

            await TaskGroup.RunAsync(async group => { _ = group.Spawn(ct => Task.CompletedTask); });
            """;
        Assert.Contains(SnippetCompiler.Diagnose(Code), p => p.Contains("CS1998", StringComparison.Ordinal));
    }

    [Fact]
    public void SnippetCompiler_AcceptsDeclarationsOnly()
    {
        Assert.Empty(SnippetCompiler.Diagnose("public static class Helpers { public static Task Run() => TaskGroups.TaskGroup.RunAsync(_ => Task.CompletedTask); }"));
    }

    [Theory]
    [InlineData("```csharp\nx\n```", "csharp", true)]
    [InlineData("```csharp fragment\nx\n```", "csharp fragment", false)]
    [InlineData("````cs\n```\nx\n````", "cs", true)]
    [InlineData("```\nx\n```", "", false)]
    [InlineData("~~~yaml\nx\n~~~", "yaml", false)]
    public void Parse_ReadsFencesAndMarkers(string markdown, string info, bool compiles)
    {
        CodeBlock block = Assert.Single(Documentation.Parse("x.md", markdown));
        Assert.Equal(info, block.Info);
        Assert.Equal(compiles, block.ClaimsToCompile);
        Assert.Equal(1, block.Line);
    }
}
