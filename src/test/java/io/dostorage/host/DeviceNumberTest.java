package io.dostorage.host;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeviceNumberTest {

    @Test
    void decodesLinuxDeviceNumbers() {
        assertEquals(new DeviceNumber(7, 0), DeviceNumber.decode(0x700L), "loop0");
        assertEquals(new DeviceNumber(8, 16), DeviceNumber.decode(0x810L), "sdb");
        assertEquals(new DeviceNumber(259, 3), DeviceNumber.decode(0x10303L), "an NVMe namespace");
        // minor 300 does not fit the old 8 bits: bits 0-7 hold 0x2c, bits 20-31 the rest
        assertEquals(new DeviceNumber(8, 300), DeviceNumber.decode(0x82cL | (0x100L << 12)));
        assertEquals(new DeviceNumber(0x1234, 0), DeviceNumber.decode((0x234L << 8) | (0x1000L << 32)));
    }

    @Test
    void aDeviceIsTheSourceOfAMountWithItsNumberOrItsPath() {
        Device sdb = new Device(Path.of("/dev/sdb"), new DeviceNumber(8, 16));

        assertTrue(sdb.isSourceOf(entry(8, 16, "/dev/root")), "same number, whatever the source says");
        assertTrue(sdb.isSourceOf(entry(0, 99, "/dev/sdb")));
        assertFalse(sdb.isSourceOf(entry(8, 0, "/dev/sda")));
        assertFalse(sdb.isSourceOf(entry(0, 99, "tmpfs")));
    }

    private static MountEntry entry(int major, int minor, String source) {
        return new MountEntry(41, 26, major, minor, "/", Path.of("/mnt/x"), "rw", List.of(), "ext4", source, "rw");
    }
}
