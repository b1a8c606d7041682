package io.dostorage.host;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FolderHostTest {

    @TempDir
    Path root;

    @Test
    void mountMakesTheFolderAndUnmountKeepsItsFiles() throws Exception {
        FolderHost host = new FolderHost(root.resolve("devices"));
        Path target = root.resolve("pgdata");

        host.mount("pgdata", MountSpec.of("ext4"), target);
        Files.writeString(target.resolve("PG_VERSION"), "16");
        host.mount("pgdata", MountSpec.of("ext4"), target);
        assertTrue(host.isMounted(target));
        assertEquals(List.of(target), host.mountsUnder(root));

        host.unmount(target);
        host.unmount(target);
        assertFalse(host.isMounted(target));
        assertEquals(List.of(), host.mountsUnder(root));
        assertEquals("16", Files.readString(target.resolve("PG_VERSION")), "unmounting never deletes data");
    }

    @Test
    void aFolderItMakesGetsTheModeAlwaysAndTheOwnerOnlyAsRootAndOneThatExistedKeepsItsOwn() throws Exception {
        FolderHost host = new FolderHost(root.resolve("devices"));
        boolean asRoot = Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        Path made = root.resolve("made");
        Path kept = Files.createDirectories(root.resolve("kept"));
        Files.setAttribute(kept, "unix:mode", 0755);
        int me = (Integer) Files.getAttribute(kept, "unix:uid");
        MountSpec spec = new MountSpec("ext4", List.of("discard", "noatime"), new Ownership(4242, 4343, 0750));

        host.mount("made", spec, made);
        host.mount("kept", spec, kept);
        Path data = host.folder("made", made, "pg/data", new Ownership(4242, null, 0700));

        assertEquals(0750, (Integer) Files.getAttribute(made, "unix:mode") & 07777);
        assertEquals(asRoot ? 4242 : me, Files.getAttribute(made, "unix:uid"), "chown only as root (dev mode runs as the developer)");
        assertEquals(0700, (Integer) Files.getAttribute(data, "unix:mode") & 07777);
        assertEquals(0755, (Integer) Files.getAttribute(kept, "unix:mode") & 07777, "an existing folder is never changed");
        assertEquals(me, Files.getAttribute(kept, "unix:uid"));
        assertTrue(host.space(made).isPresent());
        assertTrue(host.space(root.resolve("not-mounted")).isEmpty());
    }

    @Test
    void aNewProcessSeesNothingMountedLikeAHostAfterReboot() {
        Path target = root.resolve("pgdata");
        new FolderHost(root.resolve("devices")).mount("pgdata", MountSpec.of("ext4"), target);

        assertFalse(new FolderHost(root.resolve("devices")).isMounted(target));
    }

    @Test
    void aVolumesDiskIsPresentWhileItsLinkInTheDeviceFolderLeadsToSomething() throws Exception {
        Path devices = Files.createDirectories(root.resolve("devices"));
        FolderHost host = new FolderHost(devices);
        Path link = devices.resolve("scsi-0DO_Volume_pgdata");
        Files.createSymbolicLink(link, root.resolve("disk"));
        assertFalse(host.devicePresent("pgdata"), "a link that leads nowhere yet");

        Files.createFile(root.resolve("disk"));

        assertTrue(host.devicePresent("pgdata"));
        assertFalse(host.devicePresent("other"));
    }
}
