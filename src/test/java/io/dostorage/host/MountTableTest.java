package io.dostorage.host;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MountTableTest {

    @Test
    void readsEveryFieldOfTheKernelsOwnExample() {
        // Documentation/filesystems/proc.rst, section 3.5
        MountTable table = MountTable.parse("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n", "test");

        assertEquals(List.of(new MountEntry(36, 35, 98, 0, "/mnt1", Path.of("/mnt2"), "rw,noatime", List.of("master:1"),
                "ext3", "/dev/root", "rw,errors=continue")), table.entries());
        assertEquals("98:0", table.entries().get(0).device());
    }

    @Test
    void takesAnyNumberOfOptionalFieldsUpToTheSeparator() {
        MountTable table = MountTable.parse("""
                26 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw
                41 26 7:0 / /mnt/pgdata rw,relatime shared:1 master:2 propagate_from:3 unbindable - xfs /dev/loop0 rw,attr2,inode64
                """, "test");

        assertEquals(List.of(), table.entries().get(0).optionalFields());
        assertEquals(List.of("shared:1", "master:2", "propagate_from:3", "unbindable"), table.entries().get(1).optionalFields());
        assertEquals("xfs", table.entries().get(1).fsType());
        assertEquals("/dev/loop0", table.entries().get(1).source());
        assertEquals("rw,attr2,inode64", table.entries().get(1).superOptions());
    }

    @Test
    void undoesTheKernelsOctalEscapesInPathsAndSource() {
        MountTable table = MountTable.parse(
                "41 26 7:0 /a\\134b /mnt/my\\040volume\\011tab\\012line rw - ext4 /dev/disk\\040one rw\n", "test");

        MountEntry entry = table.entries().get(0);
        assertEquals("/a\\b", entry.root());
        assertEquals(Path.of("/mnt/my volume\ttab\nline"), entry.mountPoint());
        assertEquals("/dev/disk one", entry.source());
    }

    @Test
    void leavesABackslashThatIsNoEscapeAsItIs() {
        assertEquals("a\\x", MountTable.unescape("a\\x"));
        assertEquals("a\\04", MountTable.unescape("a\\04"));
        assertEquals("a\\", MountTable.unescape("a\\"));
    }

    @Test
    void aBindMountShowsTheFolderOfTheFilesystemItShows() {
        MountTable table = MountTable.parse("""
                41 26 8:16 / /mnt/pgdata rw,relatime shared:1 - ext4 /dev/sdb rw
                52 26 8:16 /data/sub /srv/sub rw,relatime shared:1 - ext4 /dev/sdb rw
                """, "test");

        MountEntry bind = table.topAt(Path.of("/srv/sub")).orElseThrow();
        assertEquals("/data/sub", bind.root());
        assertEquals(table.entries().get(0).device(), bind.device(), "same filesystem, same device number");
    }

    @Test
    void ofMountsStackedOnOneFolderTheLastIsOnTop() {
        MountTable table = MountTable.parse("""
                41 26 8:16 / /mnt/pgdata rw - ext4 /dev/sdb rw
                60 41 0:70 / /mnt/pgdata rw - tmpfs tmpfs rw
                """, "test");

        assertEquals(2, table.at(Path.of("/mnt/pgdata")).size());
        assertEquals("tmpfs", table.topAt(Path.of("/mnt/pgdata")).orElseThrow().fsType());
        assertTrue(table.hasMountAt(Path.of("/mnt/pgdata")));
        assertFalse(table.hasMountAt(Path.of("/mnt")));
        assertTrue(table.topAt(Path.of("/mnt")).isEmpty());
    }

    @Test
    void keepsAnEmptySourceAndATypeWithSubtype() {
        MountTable table = MountTable.parse("70 26 0:80 / /mnt/remote rw - fuse.sshfs  rw,user_id=0\n", "test");

        assertEquals("fuse.sshfs", table.entries().get(0).fsType());
        assertEquals("", table.entries().get(0).source());
        assertEquals("rw,user_id=0", table.entries().get(0).superOptions());
    }

    @Test
    void aLineNotInMountinfoFormatIsAnErrorNamingItsOriginAndNumber() {
        HostException e = assertThrows(HostException.class, () -> MountTable.parse("""
                26 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw
                /dev/sda /mnt ext4 rw 0 0
                """, "/proc/self/mountinfo"));

        assertEquals("reading the mount table /proc/self/mountinfo: line 2 is not in mountinfo format "
                + "(expected 6 fields, optional fields, '-', then type, source and options): /dev/sda /mnt ext4 rw 0 0", e.getMessage());
    }

    @Test
    void readsThisProcesssOwnTable(@TempDir Path dir) throws Exception {
        MountTable table = MountTable.read(Path.of("/proc/self/mountinfo"));

        assertTrue(table.hasMountAt(Path.of("/")), "the root is always mounted");
        HostException missing = assertThrows(HostException.class, () -> MountTable.read(dir.resolve("none")));
        assertTrue(missing.getMessage().startsWith("reading the mount table " + dir.resolve("none")), missing.getMessage());
        Files.writeString(dir.resolve("empty"), "");
        assertEquals(List.of(), MountTable.read(dir.resolve("empty")).entries());
    }
}
