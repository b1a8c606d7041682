package io.dostorage.host;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcessRunnerTest {

    private final ProcessRunner runner = new ProcessRunner();

    @Test
    void reportsTheExitCodeAndBothOutputsInTheOrderWritten() {
        CommandResult result = runner.run(List.of("sh", "-c", "echo one; echo two >&2; echo three; exit 3"), Duration.ofSeconds(10));

        assertEquals(3, result.exitCode());
        assertEquals("one\ntwo\nthree\n", result.output());
        assertFalse(result.succeeded());
        assertEquals("sh -c 'echo one; echo two >&2; echo three; exit 3' exited 3: one\ntwo\nthree", result.failure());
    }

    @Test
    void passesEachArgumentAsOneWordWithNoShellBetween() {
        CommandResult result = runner.run(List.of("printf", "[%s]", "a b", "$HOME", "*"), Duration.ofSeconds(10));

        assertEquals("[a b][$HOME][*]", result.output());
    }

    @Test
    void runsToolsInTheCLocaleWithNothingToRead() {
        CommandResult result = runner.run(List.of("sh", "-c", "echo $LC_ALL; cat; echo end"), Duration.ofSeconds(10));

        assertEquals("C\nend\n", result.output(), "stdin is at its end at once: a tool that asks gets no answer");
    }

    @Test
    void aCommandPastItsTimeoutIsKilledAndNamed() {
        long start = System.nanoTime();

        HostException e = assertThrows(HostException.class,
                () -> runner.run(List.of("sh", "-c", "echo started; sleep 30"), Duration.ofMillis(300)));

        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertEquals("sh -c 'echo started; sleep 30' did not finish within 300ms and was killed; its output so far: started",
                e.getMessage());
        assertTrue(tookMillis < 10_000, "took " + tookMillis + " ms");
    }

    @Test
    void aProgramThatCannotStartIsAnErrorNamingIt() {
        HostException e = assertThrows(HostException.class,
                () -> runner.run(List.of("no-such-program-dostorage", "x"), Duration.ofSeconds(10)));

        assertTrue(e.getMessage().startsWith("cannot run no-such-program-dostorage x: "), e.getMessage());
    }

    @Test
    void keepsOnlyTheStartOfAFloodOfOutput() {
        CommandResult result = runner.run(List.of("head", "-c", "200000", "/dev/zero"), Duration.ofSeconds(10));

        assertEquals(0, result.exitCode());
        assertTrue(result.output().endsWith("[output cut after 65536 of 200000 bytes]"), result.output().substring(65530));
    }
}
