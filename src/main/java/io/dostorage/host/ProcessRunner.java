package io.dostorage.host;

import jakarta.inject.Singleton;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs commands as child processes of this JVM.
 *
 * <p>Each child gets {@code LC_ALL=C}, so that the tools speak untranslated English (error messages
 * are read by people, and {@code umount}'s "target is busy" is matched), and standard input from
 * {@code /dev/null}, so that a tool that would ask a question reads end-of-file instead of waiting
 * for an answer that never comes. Standard output and error go to one pipe, so the output reads in
 * the order the tool wrote it; only the first {@value #MAX_OUTPUT} bytes are kept.
 */
@Singleton
public class ProcessRunner implements CommandRunner {

    static final int MAX_OUTPUT = 64 * 1024;

    /** How long to wait, after the program ended, for the rest of its output (a child it left may hold the pipe). */
    private static final Duration DRAIN = Duration.ofSeconds(2);

    private static final Duration REAP = Duration.ofSeconds(5);

    @Override
    public CommandResult run(List<String> command, Duration timeout) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("no command to run");
        }
        String line = CommandResult.commandLine(command);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().put("LC_ALL", "C");
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new HostException("cannot run " + line + ": " + e.getMessage(), e);
        }
        Collector output = new Collector(process.getInputStream(), command.get(0));
        output.start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                output.finish();
                throw new HostException(line + " did not finish within " + DurationText.of(timeout)
                        + " and was killed; its output so far: " + orNothing(output.text()));
            }
            output.finish();
            return new CommandResult(command, process.exitValue(), output.text());
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new HostException("interrupted while waiting for " + line + "; it was killed", e);
        }
    }

    /** Kills the program and whatever it started (found before the program dies, while they are still its children). */
    private static void kill(Process process) {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        try {
            process.waitFor(REAP.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String orNothing(String output) {
        String said = output.strip();
        return said.isEmpty() ? "(nothing)" : said;
    }

    /** Reads the child's output on its own thread, so that a chatty child never blocks on a full pipe. */
    private static final class Collector extends Thread {

        private final InputStream in;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private long total;

        Collector(InputStream in, String program) {
            super("output of " + program);
            setDaemon(true);
            this.in = in;
        }

        @Override
        public void run() {
            byte[] buffer = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    synchronized (this) {
                        int room = (int) Math.max(0, Math.min(n, MAX_OUTPUT - total));
                        kept.write(buffer, 0, room);
                        total += n;
                    }
                }
            } catch (IOException e) {
                // The pipe was closed by finish(): what was read is what there is.
            }
        }

        void finish() throws InterruptedException {
            join(DRAIN.toMillis());
            if (isAlive()) {
                try {
                    in.close();
                } catch (IOException e) {
                    // Closing only unblocks the reader; nothing more to do.
                }
                join(DRAIN.toMillis());
            }
        }

        synchronized String text() {
            String text = kept.toString(StandardCharsets.UTF_8);
            return total > MAX_OUTPUT ? text + "\n[output cut after " + MAX_OUTPUT + " of " + total + " bytes]" : text;
        }
    }
}
