using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TaskGroups.Docs;

/// <summary>
/// Compiles a snippet as a reader would paste it: into a new .NET 10 console project (implicit
/// usings, nullable on) that references TaskGroups. A snippet with top-level statements is a
/// program; one with only declarations is a library. Warnings count as failures, as they do in
/// this repository.
/// </summary>
internal static class SnippetCompiler
{
    /// <summary>The global usings of a new console project (<c>ImplicitUsings</c> in Microsoft.NET.Sdk).</summary>
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    private static readonly Lazy<IReadOnlyList<MetadataReference>> s_references = new(LoadReferences);

    /// <summary>The compiler's errors and warnings for <paramref name="code"/>; empty when it compiles cleanly.</summary>
    public static IReadOnlyList<string> Diagnose(string code)
    {
        var options = new CSharpParseOptions(LanguageVersion.Latest);
        SyntaxTree snippet = CSharpSyntaxTree.ParseText(code, options, path: "Snippet.cs");
        SyntaxTree usings = CSharpSyntaxTree.ParseText(ImplicitUsings, options, path: "GlobalUsings.g.cs");
        bool program = snippet.GetCompilationUnitRoot().Members.OfType<GlobalStatementSyntax>().Any();
        var compilation = CSharpCompilation.Create(
            "Snippet",
            [usings, snippet],
            s_references.Value,
            new CSharpCompilationOptions(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary)
                .WithNullableContextOptions(NullableContextOptions.Enable)
                .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>
                {
                    // Unused global usings are expected: the implicit ones are generic.
                    ["CS8019"] = ReportDiagnostic.Suppress,
                }));
        using var pe = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = compilation.Emit(pe);
        return [.. result.Diagnostics
            .Where(d => d.Severity is DiagnosticSeverity.Error or DiagnosticSeverity.Warning)
            .Select(d => $"line {d.Location.GetLineSpan().StartLinePosition.Line + 1}: {d.Id} {d.GetMessage()}")];
    }

    /// <summary>The framework's assemblies (the running .NET) and TaskGroups.</summary>
    private static IReadOnlyList<MetadataReference> LoadReferences()
    {
        string framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var references = new List<MetadataReference>();
        foreach (string dll in Directory.GetFiles(framework, "*.dll"))
        {
            if (IsManaged(dll))
            {
                references.Add(MetadataReference.CreateFromFile(dll));
            }
        }

        references.Add(MetadataReference.CreateFromFile(typeof(TaskGroup).Assembly.Location));
        return references;
    }

    private static bool IsManaged(string path)
    {
        try
        {
            _ = AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}
