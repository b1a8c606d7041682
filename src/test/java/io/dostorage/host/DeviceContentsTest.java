package io.dostorage.host;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What blkid's answers mean; the outputs are blkid 2.38's, taken from loop devices. */
class DeviceContentsTest {

    private static final List<String> PROBE = List.of("blkid", "-p", "-o", "export", "/dev/loop0");

    @Test
    void exitTwoWithNoOutputIsABlankDevice() {
        assertEquals(DeviceContents.Kind.BLANK, contents(2, "").kind());
    }

    @Test
    void aSuperblockWithUsageFilesystemIsAFilesystem() {
        DeviceContents found = contents(0, """
                DEVNAME=/dev/loop0
                UUID=0b683e63-631b-4423-b281-59c5b4c1df8a
                VERSION=1.0
                BLOCK_SIZE=1024
                TYPE=ext4
                USAGE=filesystem
                """);

        assertEquals(DeviceContents.Kind.FILESYSTEM, found.kind());
        assertEquals("ext4", found.type());
        assertEquals("a ext4 filesystem", found.describe());
    }

    @Test
    void aPartitionTableIsNotAFilesystem() {
        DeviceContents found = contents(0, "DEVNAME=/dev/loop0\nPTUUID=dfa4a932\nPTTYPE=dos\n");

        assertEquals(DeviceContents.Kind.PARTITION_TABLE, found.kind());
        assertEquals("a dos partition table", found.describe());
    }

    @Test
    void swapIsAnotherSignature() {
        DeviceContents found = contents(0, "DEVNAME=/dev/loop0\nUUID=9964e360\nVERSION=1\nTYPE=swap\nUSAGE=other\n");

        assertEquals(DeviceContents.Kind.OTHER, found.kind());
        assertEquals("a swap signature (usage other), not a filesystem", found.describe());
    }

    @Test
    void exitEightIsAmbivalent() {
        assertEquals(DeviceContents.Kind.AMBIVALENT, contents(8, "blkid: /dev/loop0: ambivalent result").kind());
    }

    @Test
    void otherExitsAreErrorsCarryingCommandAndOutput() {
        HostException e = assertThrows(HostException.class, () -> contents(4, "blkid: bad usage"));

        assertEquals("blkid -p -o export /dev/loop0 exited 4: blkid: bad usage", e.getMessage());
    }

    private static DeviceContents contents(int exitCode, String output) {
        return DeviceContents.of(new CommandResult(PROBE, exitCode, output));
    }
}
