namespace TaskGroups.Verification;

/// <summary>Which Coyote exploration strategy to use.</summary>
public enum SchedulingStrategy
{
    /// <summary>Uniformly random scheduling decisions.</summary>
    Random,

    /// <summary>Probabilistic concurrency testing (priority-based, <c>WithPrioritizationStrategy</c>).</summary>
    Pct,

    /// <summary>Coyote's probabilistic strategy (<c>WithProbabilisticStrategy</c>).</summary>
    Probabilistic,

    /// <summary>Coyote's default portfolio of strategies.</summary>
    Portfolio,
}
