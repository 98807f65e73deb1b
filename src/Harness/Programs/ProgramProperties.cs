using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using TaskGroups.Harness.Targets;

namespace TaskGroups.Harness.Programs;

/// <summary>
/// Checks, with FsCheck, that every generated program meets the spec on a target: each program is
/// explored over K schedules under Coyote (model agreement and invariants 1–7 on every schedule), and
/// a failing program is shrunk to a minimal one.
/// </summary>
public static class ProgramProperties
{
    /// <summary>Runs the property; <paramref name="onProgress"/> receives the number of programs tested so far.</summary>
    public static PropertyReport Check(IGroupTarget target, PropertySettings settings, Action<int>? onProgress = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(settings);
        var started = Stopwatch.StartNew();
        int tested = 0, explored = 0, shrinkSteps = 0;
        long schedules = 0;
        TaskProgram? original = null;
        ProgramOutcome? last = null;
        Exception? harnessFailure = null;

        // A feature target gets feature programs too; any other target only programs it can run.
        Property property = Prop.ForAll(ProgramGenerators.Arbitrary(features: target is IFeatureTarget), (TaskProgram program) =>
        {
            if (harnessFailure is not null)
            {
                return false;
            }

            ProgramOutcome outcome;
            try
            {
                outcome = ProgramExplorer.Explore(target, program, settings.Schedules, settings.Seed, settings.Parallelism);
            }
            catch (Exception e)
            {
                harnessFailure = e; // not a counterexample: rethrown below
                return false;
            }

            explored++;
            schedules += outcome.Result.Schedules;
            if (original is null)
            {
                tested++;
                onProgress?.Invoke(tested);
            }

            if (outcome.Bug is null)
            {
                return true;
            }

            // FsCheck shrinks greedily: the last failing program it tries is the one it reports.
            if (original is null)
            {
                original = program;
            }
            else
            {
                shrinkSteps++;
            }

            last = outcome;
            return false;
        });

        Config config = Config.Quick
            .WithMaxTest(settings.Count)
            .WithEndSize(24)
            .WithQuietOnSuccess(true)
            .WithRunner(new SilentRunner())
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(settings.Seed, 0x9E3779B97F4A7C15UL), FSharpOption<int>.None)));
        FsCheck.Check.One(config, property);
        if (harnessFailure is not null)
        {
            throw new InvalidOperationException($"exploring a program failed: {harnessFailure.Message}", harnessFailure);
        }

        Counterexample? counterexample = last is null ? null : new Counterexample(original!, last, shrinkSteps);
        return new PropertyReport(target, settings, tested, explored, schedules, started.Elapsed, counterexample);
    }

    /// <summary>The shrunk program as a ready-to-paste xunit test asserting that it meets the spec.</summary>
    public static string ToXunitTest(IGroupTarget target, Counterexample counterexample, PropertySettings settings)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(counterexample);
        ArgumentNullException.ThrowIfNull(settings);
        TaskProgram program = counterexample.Shrunk.Program;
        string name = string.Concat(target.Name.Split('-').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
        return $$"""
            // using TaskGroups.Harness.Programs; using TaskGroups.Harness.Targets; using Xunit;
            [Fact]
            public void {{name}}_Program{{program.StableHash():x8}}_Meets_Specification()
            {
                // Found by: properties --target {{target.Name}} --count {{settings.Count}} --seed {{settings.Seed}} --schedules {{settings.Schedules}} --parallel {{settings.Parallelism}}
                // Shrunk from: {{counterexample.Original}}
                TaskProgram program = TaskProgram.Parse("{{program}}");
                ProgramOutcome outcome = ProgramExplorer.Explore(TargetRegistry.BuiltIn.Find("{{target.Name}}")!, program, schedules: {{settings.Schedules}}, baseSeed: {{settings.Seed}}{{(settings.Parallelism == 1 ? string.Empty : $", parallelism: {settings.Parallelism}")}});
                Assert.True(outcome.Bug is null, outcome.Bug);
            }
            """;
    }

    /// <summary>FsCheck's runner, silenced: the report is built from what the property saw.</summary>
    private sealed class SilentRunner : IRunner
    {
        public void OnStartFixture(Type t)
        {
        }

        public void OnArguments(int ntest, FSharpList<object> args, FSharpFunc<int, FSharpFunc<FSharpList<object>, string>> every)
        {
        }

        public void OnShrink(FSharpList<object> args, FSharpFunc<FSharpList<object>, string> everyShrink)
        {
        }

        public void OnFinished(string name, TestResult testResult)
        {
        }
    }
}
