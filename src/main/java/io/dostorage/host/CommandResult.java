package io.dostorage.host;

import java.util.List;
import java.util.stream.Collectors;

/**
 * How a command ended.
 *
 * @param command  the program and its arguments, as run
 * @param exitCode the exit code ({@code 0} is success for every program this plugin runs)
 * @param output   standard output and standard error, interleaved as the program wrote them
 */
public record CommandResult(List<String> command, int exitCode, String output) {

    public CommandResult {
        command = List.copyOf(command);
        output = output == null ? "" : output;
    }

    public boolean succeeded() {
        return exitCode == 0;
    }

    /** The command as one would type it in a shell, for messages. */
    public String commandLine() {
        return commandLine(command);
    }

    /** {@code "<command> exited <code>: <output>"}, the part of an error message that says what the tool said. */
    public String failure() {
        String said = output.strip();
        return commandLine() + " exited " + exitCode + (said.isEmpty() ? " with no output" : ": " + said);
    }

    static String commandLine(List<String> command) {
        return command.stream().map(CommandResult::quoted).collect(Collectors.joining(" "));
    }

    private static String quoted(String word) {
        if (!word.isEmpty() && word.chars().noneMatch(c -> Character.isWhitespace(c) || "'\"\\$`;&|<>*?()".indexOf(c) >= 0)) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
