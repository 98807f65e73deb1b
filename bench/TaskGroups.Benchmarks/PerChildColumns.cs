using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace TaskGroups.Benchmarks;

/// <summary>Mean time or allocation divided by the benchmark's <c>N</c> (children per operation), so
/// per-child costs can be compared across sizes.</summary>
public sealed class PerChildColumn : IColumn
{
    /// <summary>Mean nanoseconds per child.</summary>
    public static readonly IColumn Time = new PerChildColumn(allocation: false);

    /// <summary>Allocated bytes per child.</summary>
    public static readonly IColumn Allocation = new PerChildColumn(allocation: true);

    private readonly bool _allocation;

    private PerChildColumn(bool allocation) => _allocation = allocation;

    public string Id => ColumnName;

    public string ColumnName => _allocation ? "B/child" : "ns/child";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => _allocation ? 1 : 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => _allocation
        ? "Allocated bytes per operation divided by N (children per operation)"
        : "Mean time per operation in nanoseconds divided by N (children per operation)";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var n = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name is "N" or "Depth")?.Value;
        BenchmarkReport? report = summary[benchmarkCase];
        if (n is not int children || children <= 0 || report is null)
        {
            return "-";
        }

        if (_allocation)
        {
            long? bytes = report.GcStats.GetBytesAllocatedPerOperation(benchmarkCase);
            return bytes is null ? "-" : (bytes.Value / (double)children).ToString("F0", CultureInfo.InvariantCulture);
        }

        double? mean = report.ResultStatistics?.Mean;
        return mean is null ? "-" : (mean.Value / children).ToString("F0", CultureInfo.InvariantCulture);
    }

    public override string ToString() => ColumnName;
}
