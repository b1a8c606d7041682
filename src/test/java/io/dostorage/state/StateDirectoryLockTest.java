package io.dostorage.state;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lock keeps a second process off the state folder, and does not get in the way of a second
 * start inside this process (dev mode's live reload). The other process is a real JVM, because the
 * JDK and the kernel both treat locks from the same process differently.
 */
class StateDirectoryLockTest {

    @TempDir
    Path folder;

    @Test
    void createsTheStateFolderAndRecordsThePid() throws Exception {
        Path stateDir = folder.resolve("mnt/.dostorage");

        new StateDirectoryLock(stateDir).acquire();

        assertEquals(Long.toString(ProcessHandle.current().pid()), Files.readString(stateDir.resolve("lock")));
    }

    @Test
    void afterAReloadInThisProcessAnotherProcessIsStillRefusedWithOurPid() throws Exception {
        Path stateDir = folder.resolve("state");
        StateDirectoryLock first = new StateDirectoryLock(stateDir);
        first.acquire();
        first.release();
        new StateDirectoryLock(stateDir).acquire();

        OtherProcess other = OtherProcess.lock(stateDir);

        assertEquals(2, other.exit(), other.output());
        assertTrue(other.output().startsWith("state folder " + stateDir + " is in use by another dostorage process (pid "
                + ProcessHandle.current().pid() + ")"), other.output());
    }

    @Test
    void anEarlierStartInThisProcessThatWasNotShutDownDoesNotBlockTheNextOne() {
        Path stateDir = folder.resolve("state");
        new StateDirectoryLock(stateDir).acquire();

        new StateDirectoryLock(stateDir).acquire();
    }

    @Test
    void aReleasedFolderCanBeTakenByAnotherProcess() throws Exception {
        Path stateDir = folder.resolve("state");
        StateDirectoryLock lock = new StateDirectoryLock(stateDir);
        lock.acquire();
        lock.release();

        OtherProcess other = OtherProcess.lock(stateDir);

        assertEquals(0, other.exit(), other.output());
    }

    /** A JVM that takes the lock of {@code args[0]}: exit 0 when it got it, 2 with the message when refused. */
    record OtherProcess(int exit, String output) {

        static OtherProcess lock(Path stateDir) throws IOException, InterruptedException {
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Process process = new ProcessBuilder(java.toString(), "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), OtherProcess.class.getName(), stateDir.toString())
                    .redirectErrorStream(true).start();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the other process did not end within 30 s");
            }
            return new OtherProcess(process.exitValue(),
                    new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
        }

        public static void main(String[] args) {
            try {
                new StateDirectoryLock(Path.of(args[0])).acquire();
            } catch (StateException e) {
                System.out.println(e.getMessage());
                System.exit(2);
            }
        }
    }
}
