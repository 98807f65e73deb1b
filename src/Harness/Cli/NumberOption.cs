using System.CommandLine;
using System.Globalization;

namespace TaskGroups.Harness.Cli;

/// <summary>
/// Numeric options that are validated while parsing, before any work starts, with errors in words
/// ("--iterations must be a whole number of at least 1, not 'ten'") instead of the parser's
/// "as expected type 'System.Int32'".
/// </summary>
internal static class NumberOption
{
    /// <summary>An <see cref="int"/> option of at least <paramref name="minimum"/>.</summary>
    public static Option<int> Int(string name, string description, Func<int> defaultValue, int minimum = 1, params string[] aliases)
    {
        var option = new Option<int>(name, aliases) { Description = description, DefaultValueFactory = _ => defaultValue() };
        option.CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
            if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) && value >= minimum)
            {
                return value;
            }

            result.AddError($"{name} must be a whole number of at least {minimum}, not '{text}'");
            return 0;
        };
        return option;
    }

    /// <summary>A <see cref="uint"/> option (a seed: 0 to 4294967295).</summary>
    public static Option<uint> UInt(string name, string description, uint defaultValue = 0)
    {
        var option = new Option<uint>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
            if (uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out uint value))
            {
                return value;
            }

            result.AddError($"{name} must be a whole number from 0 to {uint.MaxValue}, not '{text}'");
            return 0;
        };
        return option;
    }

    /// <summary>A non-negative <see cref="double"/> option (seconds).</summary>
    public static Option<double> Seconds(string name, string description, double defaultValue)
    {
        var option = new Option<double>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
            if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value))
            {
                return value;
            }

            result.AddError($"{name} must be a number of seconds (0 or more, e.g. 1.5), not '{text}'");
            return 0;
        };
        return option;
    }
}
