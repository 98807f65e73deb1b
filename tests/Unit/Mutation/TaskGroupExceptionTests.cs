using static TaskGroups.Unit.TestSupport;

namespace TaskGroups.Unit.Mutation;

/// <summary>The bounded <see cref="TaskGroupException.Message"/> and <see cref="TaskGroupException.ToString"/>
/// wording: the failure count, the depth, the first leaf failures, truncation, and the full leaves.</summary>
public class TaskGroupExceptionTests
{
    private const string Summary = "One or more tasks of the group failed";

    private static readonly string NL = Environment.NewLine;

    private static TaskGroupException Group(params Exception[] failures) => new(failures);

    [Fact]
    public void Message_OneFailure_SaysFailureInTheSingular()
    {
        Assert.Equal($"{Summary} (1 failure): TestFailureException: a.", Group(Boom("a")).Message);
    }

    [Fact]
    public void Message_TwoFailures_SaysFailuresInThePlural_AndNamesBoth()
    {
        Assert.Equal($"{Summary} (2 failures): TestFailureException: a; TestFailureException: b.", Group(Boom("a"), Boom("b")).Message);
    }

    [Fact]
    public void Message_ThreeFailures_NamesAllThree_WithoutAMoreClause()
    {
        Assert.Equal(
            $"{Summary} (3 failures): TestFailureException: a; TestFailureException: b; TestFailureException: c.",
            Group(Boom("a"), Boom("b"), Boom("c")).Message);
    }

    [Fact]
    public void Message_FiveFailures_NamesTheFirstThree_AndCountsTheRest()
    {
        Assert.Equal(
            $"{Summary} (5 failures): TestFailureException: a; TestFailureException: b; TestFailureException: c; and 2 more.",
            Group(Boom("a"), Boom("b"), Boom("c"), Boom("d"), Boom("e")).Message);
    }

    [Fact]
    public void Message_NestedFailure_SaysHowManyGroupsDeep()
    {
        Assert.Equal($"{Summary} (1 failure, 2 groups deep): TestFailureException: a.", Group(Group(Boom("a"))).Message);
    }

    [Fact]
    public void Message_ThreeLevelsBuiltByHand_SaysThreeGroupsDeep()
    {
        // The outer Message is read first: the nested groups' figures are computed on the way.
        TaskGroupException outer = Group(Group(Group(Boom("a"), Boom("b"))), Boom("c"));
        Assert.Equal($"{Summary} (3 failures, 3 groups deep): TestFailureException: a; TestFailureException: b; TestFailureException: c.", outer.Message);
    }

    [Fact]
    public void Message_LeafMessageOfExactlyTheLimit_IsQuotedInFull()
    {
        string message = new('x', 200);
        Assert.Equal($"{Summary} (1 failure): TestFailureException: {message}.", Group(Boom(message)).Message);
    }

    [Fact]
    public void Message_LeafMessageOverTheLimit_IsCutAt200CharactersWithAnEllipsis()
    {
        string message = new string('x', 200) + "yz";
        Assert.Equal($"{Summary} (1 failure): TestFailureException: {new string('x', 200)}….", Group(Boom(message)).Message);
    }

    [Fact]
    public void Message_ReadTwice_IsComputedOnce()
    {
        TaskGroupException exception = Group(Boom("a"), Boom("b"));
        Assert.Same(exception.Message, exception.Message);
    }

    [Fact]
    public void ToString_NotThrown_IsTypeSummaryAndEachLeafInFull()
    {
        TestFailureException a = Boom("a");
        TestFailureException b = Boom("b");
        TaskGroupException exception = Group(a, b);
        Assert.Equal(
            $"TaskGroups.TaskGroupException: {exception.Message}" +
            $"{NL} ---> (failure 1) {a}{NL}<---" +
            $"{NL} ---> (failure 2) {b}{NL}<---",
            exception.ToString());
    }

    [Fact]
    public void ToString_Thrown_IncludesTheStackTraceAfterTheSummary()
    {
        TestFailureException a = Boom("a");
        TaskGroupException exception = Assert.Throws<TaskGroupException>(void () => throw Group(a));
        Assert.NotNull(exception.StackTrace);
        Assert.Equal(
            $"TaskGroups.TaskGroupException: {exception.Message}{NL}{exception.StackTrace}{NL} ---> (failure 1) {a}{NL}<---",
            exception.ToString());
    }

    [Fact]
    public void ToString_NestedLeaves_SayHowManyGroupsDeepEach()
    {
        TestFailureException a = Boom("a");
        TestFailureException b = Boom("b");
        TestFailureException c = Boom("c");
        TaskGroupException exception = Group(a, Group(b, Group(c)));
        Assert.Equal(
            $"TaskGroups.TaskGroupException: {exception.Message}" +
            $"{NL} ---> (failure 1) {a}{NL}<---" +
            $"{NL} ---> (failure 2, 2 groups deep) {b}{NL}<---" +
            $"{NL} ---> (failure 3, 3 groups deep) {c}{NL}<---",
            exception.ToString());
    }

    [Fact]
    public void ToString_EmptyNestedGroup_IsALeafPrintedByItsMessage()
    {
        var empty = new TaskGroupException([]);
        TaskGroupException exception = Group(empty);
        Assert.Equal($"{Summary} (0 failures).", empty.Message);
        Assert.Equal(
            $"TaskGroups.TaskGroupException: {exception.Message}{NL} ---> (failure 1) {Summary} (0 failures).{NL}<---",
            exception.ToString());
    }

    [Fact]
    public void ToString_TenLeaves_PrintsAllWithoutAMoreClause()
    {
        TaskGroupException exception = Group([.. Enumerable.Range(1, 10).Select(i => Boom($"f{i}"))]);
        string text = exception.ToString();
        Assert.Contains($" ---> (failure 10) {exception.InnerExceptions[9]}{NL}<---", text, StringComparison.Ordinal);
        Assert.EndsWith("<---", text, StringComparison.Ordinal);
        Assert.DoesNotContain("more failures", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_TwelveLeaves_PrintsTenAndCountsTheOtherTwo()
    {
        TaskGroupException exception = Group([.. Enumerable.Range(1, 12).Select(i => Boom($"f{i}"))]);
        string text = exception.ToString();
        Assert.Contains($" ---> (failure 10) {exception.InnerExceptions[9]}{NL}<---{NL} (2 more failures; see InnerExceptions)", text, StringComparison.Ordinal);
        Assert.EndsWith($"<---{NL} (2 more failures; see InnerExceptions)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("(failure 11)", text, StringComparison.Ordinal);
    }
}
