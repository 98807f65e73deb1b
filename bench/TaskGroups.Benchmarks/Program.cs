using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Order;
using BenchmarkDotNet.Running;
using TaskGroups.Benchmarks;

// `sidebyside [--children N] [--rounds R] [--warmup W] [--only TEXT[,TEXT…]] [--max-ratio X]`: quick interleaved
// A/B check (see SideBySide). Anything else goes to BenchmarkDotNet, e.g. `--filter '*' --job short`.
if (args.Length > 0 && args[0] == "sidebyside")
{
    return await SideBySide.RunAsync(args[1..]);
}

// `variants [--children N] [--rounds R] [--warmup W]`: what options and listeners cost (see Variants).
if (args.Length > 0 && args[0] == "variants")
{
    return await Variants.RunAsync(args[1..]);
}

IConfig config = DefaultConfig.Instance
    .AddColumn(PerChildColumn.Time, PerChildColumn.Allocation)
    .WithOrderer(new DefaultOrderer(SummaryOrderPolicy.Declared));
BenchmarkSwitcher.FromAssembly(typeof(SideBySide).Assembly).Run(args, config);
return 0;
