package io.dostorage.state;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void aSecondHolderIsRefusedWithThePidOfTheFirst() {
        Path stateDir = folder.resolve("state");
        new StateDirectoryLock(stateDir).acquire();

        StateException e = assertThrows(StateException.class, () -> new StateDirectoryLock(stateDir).acquire());

        assertTrue(e.getMessage().startsWith("state folder " + stateDir + " is in use by another dostorage process (pid "
                + ProcessHandle.current().pid() + ")"), e.getMessage());
    }
}
