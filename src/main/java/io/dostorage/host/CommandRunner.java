package io.dostorage.host;

import java.time.Duration;
import java.util.List;

/**
 * Runs a program and reports how it ended. It is the edge between the plugin and the host's mount
 * tools ({@code blkid}, {@code mkfs.*}, {@code mount}, {@code umount}): slow, privileged and
 * nondeterministic, hence an interface, so that the rules above it can be tested with a fake.
 */
public interface CommandRunner {

    /**
     * Runs {@code command} (the program, then its arguments, each one word: never a shell string, so
     * no word is ever split or expanded) and waits for it to end.
     *
     * <p>A non-zero exit is not an error here: it is reported in the result, because some programs
     * say something with it ({@code blkid} exits 2 when it finds nothing).
     *
     * @param timeout how long the program may run; after that it is killed
     * @return its exit code and its standard output and standard error, interleaved as written
     * @throws HostException if the program cannot be started, or ran past {@code timeout} (it is then
     *                       killed), or the wait was interrupted; the message names the command
     */
    CommandResult run(List<String> command, Duration timeout);
}
