namespace TaskGroups.Verification;

/// <summary>One task of a timeline: its name (<c>g1/child 3</c>) and the role it plays.</summary>
/// <param name="Name">The name entries use for it.</param>
/// <param name="Role">What it is, in words: <c>body of g1</c>, <c>child 2 of g1, spawned by g1/body</c>,
/// <c>cancel helper of g1: spawned by the target inside g1.Cancel(), not by the program</c>.</param>
public sealed record TimelineLane(string Name, string Role);
