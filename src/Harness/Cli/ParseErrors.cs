using System.CommandLine;

namespace TaskGroups.Harness.Cli;

/// <summary>One line for what the parser rejected: unknown verbs and options get a "did you mean",
/// a missing verb lists the verbs; the validated options' own messages are kept.</summary>
internal static class ParseErrors
{
    public static string Describe(ParseResult parsed)
    {
        Command command = parsed.CommandResult.Command;
        var lines = new List<string>();
        bool afterUnknownOption = false;
        foreach (string token in parsed.UnmatchedTokens)
        {
            if (afterUnknownOption && !token.StartsWith('-'))
            {
                afterUnknownOption = false; // most likely the unknown option's value
                continue;
            }

            afterUnknownOption = token.StartsWith('-');
            if (token.StartsWith('-'))
            {
                IEnumerable<string> options = command.Options.Concat(parsed.RootCommandResult.Command.Options.Where(o => o.Recursive))
                    .SelectMany(o => o.Aliases.Prepend(o.Name));
                lines.Add($"unknown option '{token}' for {Name(command)}" + Suggestions.DidYouMean(token, options));
            }
            else if (command is RootCommand)
            {
                lines.Add($"unknown verb '{token}'" + Suggestions.DidYouMean(token, command.Subcommands.Select(c => c.Name)) + $" (verbs: {Verbs(command)})");
            }
            else
            {
                lines.Add($"unexpected argument '{token}' for {Name(command)}");
            }
        }

        foreach (System.CommandLine.Parsing.ParseError error in parsed.Errors)
        {
            if (error.Message.StartsWith("Unrecognized command or argument", StringComparison.Ordinal) && parsed.UnmatchedTokens.Count > 0)
            {
                continue; // said above, with a suggestion
            }

            if (error.Message.StartsWith("Required command was not provided", StringComparison.Ordinal))
            {
                if (parsed.UnmatchedTokens.Count == 0)
                {
                    lines.Add($"no verb given; verbs: {Verbs(command)}");
                }
            }
            else if (error.Message.StartsWith("Required argument missing for command", StringComparison.Ordinal))
            {
                lines.Add($"{Name(command)} needs its argument: {command.Name} {string.Join(' ', command.Arguments.Select(a => a.Name.ToUpperInvariant()))}");
            }
            else
            {
                lines.Add(error.Message.TrimEnd('.'));
            }
        }

        return string.Join("; ", lines.Distinct()) + " (see --help)";
    }

    private static string Name(Command command) => command is RootCommand ? "the harness" : $"'{command.Name}'";

    private static string Verbs(Command command) => string.Join(", ", command.Subcommands.Select(c => c.Name));
}
