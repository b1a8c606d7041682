package io.dostorage.support;

import io.dostorage.host.CommandResult;
import io.dostorage.host.CommandRunner;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A command runner that records every command and answers by program name, from answers a test
 * scripts (which may change state the test keeps, so that the fake behaves like a small machine).
 * {@link #recording} instead passes every command to a real runner and only records it, to count what
 * really ran.
 *
 * <p>A command no answer is scripted for fails the test: a host that runs something unexpected is a bug.
 */
public final class FakeCommandRunner implements CommandRunner {

    /** One command run, with its timeout, its result and how long it took. */
    public record Call(List<String> command, Duration timeout, CommandResult result, Duration took) {

        public String program() {
            return command.get(0);
        }
    }

    private final CommandRunner real;
    private final Map<String, Function<List<String>, CommandResult>> answers = new ConcurrentHashMap<>();
    private final List<Call> calls = new CopyOnWriteArrayList<>();

    public FakeCommandRunner() {
        this(null);
    }

    private FakeCommandRunner(CommandRunner real) {
        this.real = real;
    }

    /** A runner that runs every command with {@code real} and records it. */
    public static FakeCommandRunner recording(CommandRunner real) {
        return new FakeCommandRunner(real);
    }

    /** Answers every command of {@code program} with {@code answer}, which gets the whole command. */
    public FakeCommandRunner answer(String program, Function<List<String>, CommandResult> answer) {
        answers.put(program, answer);
        return this;
    }

    /** Answers every command of {@code program} with this exit code and output. */
    public FakeCommandRunner answer(String program, int exitCode, String output) {
        return answer(program, command -> new CommandResult(command, exitCode, output));
    }

    @Override
    public CommandResult run(List<String> command, Duration timeout) {
        long start = System.nanoTime();
        CommandResult result;
        Function<List<String>, CommandResult> answer = answers.get(command.get(0));
        if (answer != null) {
            result = answer.apply(List.copyOf(command));
        } else if (real != null) {
            result = real.run(command, timeout);
        } else {
            throw new AssertionError("unexpected command, no answer scripted: " + String.join(" ", command));
        }
        calls.add(new Call(List.copyOf(command), timeout, result, Duration.ofNanos(System.nanoTime() - start)));
        return result;
    }

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    /** Every command run, in order. */
    public List<List<String>> commands() {
        return calls.stream().map(Call::command).toList();
    }

    /** The commands of {@code program}, in order. */
    public List<List<String>> commands(String program) {
        return calls.stream().filter(c -> c.program().equals(program)).map(Call::command).toList();
    }

    public int count(String program) {
        return commands(program).size();
    }

    /** The programs run, in order ({@code [blkid, mkfs.ext4, blkid, mount]}). */
    public List<String> programs() {
        return calls.stream().map(Call::program).toList();
    }

    public void forget() {
        calls.clear();
    }
}
