namespace TaskGroups.Harness.Scenarios;

/// <summary>A failure planted by a scenario: what a child "throws" in the programs we explore.</summary>
public sealed class PlantedFailureException(string message) : Exception(message);
