package io.dostorage.json;

/**
 * Text that is not one JSON value, with where the reading stopped (line and column from 1, as an
 * editor counts them) and, for a field given twice, which one.
 */
public final class JsonSyntaxException extends IllegalArgumentException {

    /** What is wrong with the text. */
    public enum Problem {
        /** It ends inside a value. */
        INCOMPLETE,
        /** A character where none of that kind may be. */
        MALFORMED,
        /** A second value follows the first. */
        TRAILING,
        /** An object gives the same field twice. */
        DUPLICATE,
        /** Objects and arrays nested deeper than {@link Json#MAX_DEPTH}. */
        TOO_DEEP
    }

    private final Problem problem;
    private final int line;
    private final int column;
    private final String field;
    private final String in;

    JsonSyntaxException(Problem problem, int line, int column, String field, String in) {
        super(describe(problem, line, column, field, in));
        this.problem = problem;
        this.line = line;
        this.column = column;
        this.field = field;
        this.in = in;
    }

    public Problem problem() {
        return problem;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }

    /** The field given twice ({@link Problem#DUPLICATE}), else null. */
    public String field() {
        return field;
    }

    /** The field whose object gives {@link #field()} twice, or null when that is the outermost object. */
    public String in() {
        return in;
    }

    private static String describe(Problem problem, int line, int column, String field, String in) {
        String where = " (at line " + line + ", column " + column + ")";
        return switch (problem) {
            case INCOMPLETE -> "not valid JSON: it ends before the JSON is complete";
            case MALFORMED -> "not valid JSON" + where;
            case TRAILING -> "not valid JSON: something follows the first value" + where;
            case DUPLICATE -> "not valid JSON: \"" + field + "\" is given twice" + (in == null ? "" : " in " + in) + where;
            case TOO_DEEP -> "not valid JSON: nested more than " + Json.MAX_DEPTH + " levels deep" + where;
        };
    }
}
