package io.dostorage.host;

import io.dostorage.support.FakeCommandRunner;
import io.dostorage.support.LogCapture;
import io.dostorage.support.LoopDevices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The steps the block-device host takes, on a simulated node: each volume's "device" is a plain file
 * behind a {@code scsi-0DO_Volume_<name>} link, blkid answers from what the test says the device
 * holds, mkfs changes that, and mount and umount edit a mountinfo file the host reads.
 */
class BlockDeviceHostTest {

    private static final String SYSTEM_MOUNTS = """
            21 26 0:20 / /proc rw,relatime - proc proc rw
            23 26 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334416k,nr_inodes=3083604,mode=755
            26 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw
            """;

    @TempDir
    Path dir;

    Path deviceDir;
    Path mountInfo;
    Path root;
    FakeCommandRunner runner;
    BlockDeviceHost host;

    /** What blkid finds on each device: its export output; absent means blank. */
    final Map<Path, String> signatures = new HashMap<>();
    /** The size of the filesystem on each device, as dumpe2fs -h and xfs_growfs -n tell it; absent: its device's size. */
    final Map<Path, Long> filesystemSizes = new HashMap<>();
    /** The device mounted at each mount point, for xfs_growfs, which is given the mount point. */
    final Map<Path, Path> mountedFrom = new HashMap<>();
    /** Mount points whose umount says "target is busy". */
    final Set<Path> busy = new HashSet<>();
    final AtomicInteger nextMountId = new AtomicInteger(100);

    @BeforeEach
    void simulatedNode() throws IOException {
        deviceDir = Files.createDirectories(dir.resolve("by-id"));
        mountInfo = dir.resolve("mountinfo");
        Files.writeString(mountInfo, SYSTEM_MOUNTS);
        root = Files.createDirectories(dir.resolve("mnt"));
        runner = new FakeCommandRunner()
                .answer("blkid", this::blkid)
                .answer("mkfs.ext4", command -> mkfs(command, "ext4"))
                .answer("mkfs.xfs", command -> mkfs(command, "xfs"))
                .answer("e2fsck", command -> new CommandResult(command, 0, command.get(2) + ": clean, 11/65536 files, 12955/262144 blocks\n"))
                .answer("dumpe2fs", command -> new CommandResult(command, 0, "dumpe2fs 1.47.0 (5-Feb-2023)\n"
                        + "Block count:              " + filesystemSize(Path.of(command.get(2))) / 4096 + "\n"
                        + "Block size:               4096\n"))
                .answer("resize2fs", command -> grown(command, Path.of(command.get(1))))
                .answer("xfs_growfs", this::xfsGrowfs)
                .answer("mount", this::mount)
                .answer("umount", this::umount);
        host = hostWaiting(Duration.ofSeconds(2));
    }

    @Test
    void aBlankDeviceIsFormattedOnceWithTheAskedTypeThenMounted() throws IOException {
        Path device = attach("pgdata");
        Path target = root.resolve("pgdata");

        host.mount("pgdata", MountSpec.of("ext4"), target);

        assertEquals(List.of(
                List.of("blkid", "-p", "-o", "export", device.toString()),
                List.of("mkfs.ext4", "-E", "nodiscard", device.toString()),
                List.of("blkid", "-p", "-o", "export", device.toString()),
                List.of("mount", "-t", "ext4", device.toString(), target.toString())), runner.commands());
        assertTrue(host.isMounted(target));
        assertTrue(Files.isDirectory(target), "the mount folder is created");
    }

    @Test
    void xfsIsMadeWithMkfsXfs() throws IOException {
        Path device = attach("logs");

        host.mount("logs", MountSpec.of("xfs"), root.resolve("logs"));

        assertEquals(List.of(List.of("mkfs.xfs", "-K", device.toString())), runner.commands("mkfs.xfs"));
        assertEquals(0, runner.count("mkfs.ext4"));
        assertEquals("xfs", runner.commands("mount").get(0).get(2));
    }

    @Test
    void mountOptionsArePassedJoined() throws IOException {
        Path device = attach("pgdata");

        host.mount("pgdata", new MountSpec("ext4", List.of("noatime", "discard"), Ownership.NONE), root.resolve("pgdata"));

        assertEquals(List.of("mount", "-t", "ext4", "-o", "noatime,discard", device.toString(),
                root.resolve("pgdata").toString()), runner.commands("mount").get(0));
    }

    @Test
    void aDeviceWithAFilesystemIsNeverFormattedAndIsMountedWithItsOwnType() throws IOException {
        Path device = attach("pgdata");
        signatures.put(device, filesystem("xfs"));

        host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata"));

        assertEquals(List.of("blkid", "mount", "xfs_growfs"), runner.programs());
        assertEquals(List.of("mount", "-t", "xfs", device.toString(), root.resolve("pgdata").toString()),
                runner.commands("mount").get(0));
    }

    @Test
    void aFormatIsLoggedOnceWithItsTime() throws IOException {
        Path device = attach("pgdata");

        try (LogCapture log = LogCapture.start()) {
            host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata"));
            host.unmount(root.resolve("pgdata"));
            host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata"));

            assertEquals(1, log.text().split("formatted volume pgdata \\(" + device + "\\) as ext4 in \\d+ ms", -1).length - 1,
                    log.text());
        }
    }

    // --- a filesystem whose device grew (the volume was resized) ---

    @Test
    void anExt4WhoseDeviceGrewIsCheckedFullyThenGrownBeforeItIsMounted() throws IOException {
        Path device = attachSized("pgdata", 64 * MIB);
        signatures.put(device, filesystem("ext4"));
        filesystemSizes.put(device, 32 * MIB);
        Path target = root.resolve("pgdata");

        try (LogCapture log = LogCapture.start()) {
            host.mount("pgdata", MountSpec.of("ext4"), target);

            assertTrue(log.text().matches("(?s).*grew volume pgdata's ext4 filesystem from 32\\.0 MiB to 64\\.0 MiB in \\d+ ms.*"),
                    log.text());
        }
        assertEquals(List.of(
                List.of("blkid", "-p", "-o", "export", device.toString()),
                List.of("dumpe2fs", "-h", device.toString()),
                List.of("e2fsck", "-f", "-p", device.toString()),
                List.of("resize2fs", device.toString()),
                List.of("dumpe2fs", "-h", device.toString()),
                List.of("mount", "-t", "ext4", device.toString(), target.toString())), runner.commands(),
                "resize2fs refuses an unmounted filesystem not checked with -f since it was last mounted");
        assertEquals(FilesystemGrowth.GROW_TIMEOUT, runner.calls().get(3).timeout());
        assertTrue(host.isMounted(target));
    }

    @Test
    void anXfsWhoseDeviceGrewIsGrownOnceMounted() throws IOException {
        Path device = attachSized("logs", 640 * MIB);
        signatures.put(device, filesystem("xfs"));
        filesystemSizes.put(device, 320 * MIB);
        Path target = root.resolve("logs");

        try (LogCapture log = LogCapture.start()) {
            host.mount("logs", MountSpec.of("xfs"), target);

            assertTrue(log.text().matches("(?s).*grew volume logs's xfs filesystem from 320\\.0 MiB to 640\\.0 MiB in \\d+ ms.*"),
                    log.text());
        }
        assertEquals(List.of(
                List.of("blkid", "-p", "-o", "export", device.toString()),
                List.of("mount", "-t", "xfs", device.toString(), target.toString()),
                List.of("xfs_growfs", "-n", target.toString()),
                List.of("xfs_growfs", "-d", target.toString()),
                List.of("xfs_growfs", "-n", target.toString())), runner.commands(), "xfs grows only mounted");
    }

    @Test
    void aFilesystemWithinSixteenMiBOfItsDeviceIsNotGrown() throws IOException {
        Path ext4 = attachSized("a", 64 * MIB);
        signatures.put(ext4, filesystem("ext4"));
        filesystemSizes.put(ext4, 64 * MIB - FilesystemGrowth.MIN_GROWTH + 4096);
        Path xfs = attachSized("b", 640 * MIB);
        signatures.put(xfs, filesystem("xfs"));
        filesystemSizes.put(xfs, 640 * MIB - MIB);

        host.mount("a", MountSpec.of("ext4"), root.resolve("a"));
        host.mount("b", MountSpec.of("xfs"), root.resolve("b"));

        assertEquals(List.of(List.of("e2fsck", "-p", ext4.toString())), runner.commands("e2fsck"));
        assertEquals(0, runner.count("resize2fs"));
        assertEquals(List.of(List.of("xfs_growfs", "-n", root.resolve("b").toString())), runner.commands("xfs_growfs"));
    }

    @Test
    void aFailedExt4GrowIsLoggedWithWhatResize2fsSaidAndTheFilesystemIsCheckedAgainThenMounted() throws IOException {
        Path device = attachSized("pgdata", 64 * MIB);
        signatures.put(device, filesystem("ext4"));
        filesystemSizes.put(device, 32 * MIB);
        runner.answer("resize2fs", 1, "resize2fs 1.47.0 (5-Feb-2023)\nresize2fs: No space left on device while trying to resize "
                + device + "\n");

        try (LogCapture log = LogCapture.start()) {
            host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata"));

            assertTrue(log.text().contains("growing volume pgdata's ext4 filesystem (" + device + ") from 32.0 MiB to its "
                    + "device's 64.0 MiB: resize2fs " + device + " exited 1: resize2fs 1.47.0 (5-Feb-2023) | resize2fs: No space "
                    + "left on device"), log.text());
            assertTrue(log.text().contains("it is checked again (e2fsck -p) and mounted at its old size"), log.text());
            assertFalse(log.text().contains("grew volume"), log.text());
        }
        assertEquals(List.of("blkid", "dumpe2fs", "e2fsck", "resize2fs", "e2fsck", "mount"), runner.programs(),
                "checked again after the failed grow");
        assertEquals(List.of("e2fsck", "-p", device.toString()), runner.commands("e2fsck").get(1));
        assertTrue(host.isMounted(root.resolve("pgdata")));
    }

    @Test
    void aFailedXfsGrowIsLoggedAndTheVolumeStaysMountedAndUsable() throws IOException {
        Path device = attachSized("logs", 640 * MIB);
        signatures.put(device, filesystem("xfs"));
        filesystemSizes.put(device, 320 * MIB);
        Path target = root.resolve("logs");
        runner.answer("xfs_growfs", command -> command.get(1).equals("-d")
                ? new CommandResult(command, 1, "xfs_growfs: XFS_IOC_FSGROWFSDATA xfsctl failed: Operation not permitted\n")
                : xfsGrowfs(command));

        try (LogCapture log = LogCapture.start()) {
            host.mount("logs", MountSpec.of("xfs"), target);

            assertTrue(log.text().contains("growing volume logs's xfs filesystem (" + device + ") from 320.0 MiB to its "
                    + "device's 640.0 MiB: xfs_growfs -d " + target + " exited 1: xfs_growfs: XFS_IOC_FSGROWFSDATA xfsctl "
                    + "failed: Operation not permitted; it stays mounted at its old size, its data as it was"), log.text());
        }
        assertTrue(host.isMounted(target));
        assertEquals(List.of("blkid", "mount", "xfs_growfs", "xfs_growfs"), runner.programs());
    }

    @Test
    void aFilesystemTheKernelHasMountedElsewhereIsNotGrown() throws IOException {
        Path device = attachSized("pgdata", 64 * MIB);
        signatures.put(device, filesystem("ext4"));
        filesystemSizes.put(device, 32 * MIB);
        mountedByHand("ext4", device.toString(), dir.resolve("elsewhere"));

        host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata"));

        assertEquals(List.of("blkid", "mount"), runner.programs(), "in use: neither checked nor grown");
    }

    // --- owner and mode ---

    @Test
    void aNewFilesystemsRootGetsTheSpecsModeOnceMountedAndOneThatWasThereKeepsItsOwn() throws IOException {
        Path made = root.resolve("made");
        attach("made");
        Path kept = Files.createDirectories(root.resolve("kept"));
        Files.setAttribute(kept, "unix:mode", 0755);
        Files.writeString(kept.resolve("PG_VERSION"), "16"); // a filesystem in use
        signatures.put(attach("kept"), filesystem("ext4"));
        // The simulated mount mounts nothing: the folder stands in for the new filesystem's root.
        Ownership mine = new Ownership(ownUid(), ownGid(), 0750);

        host.mount("made", new MountSpec("ext4", List.of(), mine), made);
        host.mount("kept", new MountSpec("ext4", List.of(), mine), kept);

        assertEquals(0750, mode(made));
        assertEquals(0755, mode(kept), "a filesystem that was there is never changed");
    }

    @Test
    void aSubFolderIsMadeWithTheOwnershipAndOneThatExistsIsLeftAlone() throws IOException {
        Path target = Files.createDirectories(root.resolve("pgdata"));
        Path existing = Files.createDirectories(target.resolve("pg"));
        Files.setAttribute(existing, "unix:mode", 0755);

        Path folder = host.folder("pgdata", target, "pg/data", new Ownership(ownUid(), ownGid(), 0700));

        assertEquals(target.resolve("pg/data"), folder);
        assertEquals(0700, mode(folder));
        assertEquals(0755, mode(existing));
        assertEquals(folder, host.folder("pgdata", target, "pg/data", new Ownership(null, null, 0777)));
        assertEquals(0700, mode(folder), "made once; the second call finds it and changes nothing");
    }

    @Test
    void aSubFolderThatIsASymbolicLinkIsRefusedAndNothingIsMadeThroughIt() throws IOException {
        Path target = Files.createDirectories(root.resolve("pgdata"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.createSymbolicLink(target.resolve("pg"), outside);

        HostException e = assertThrows(HostException.class,
                () -> host.folder("pgdata", target, "pg/data", Ownership.NONE));

        assertTrue(e.getMessage().startsWith("creating sub-folder pg/data on volume pgdata: " + target.resolve("pg")
                + " is a symbolic link (to " + outside + ")"), e.getMessage());
        assertFalse(Files.exists(outside.resolve("data")));
    }

    // --- space ---

    @Test
    void spaceIsStatvfsOfWhatIsMountedAndNothingWhereNothingIs() throws IOException {
        Path target = root.resolve("pgdata");
        attach("pgdata");
        assertEquals(java.util.Optional.empty(), host.space(target));

        host.mount("pgdata", MountSpec.of("ext4"), target);

        FilesystemSpace space = host.space(target).orElseThrow();
        assertEquals(Files.getFileStore(target).getTotalSpace(), space.sizeBytes());
        assertTrue(space.freeBytes() <= space.sizeBytes());
        assertTrue(space.sizeText().matches("\\d+\\.\\d (MiB|GiB|TiB)"), space.sizeText());
    }

    // --- the check before a filesystem that was there is mounted ---

    @Test
    void anExistingExt4IsPreenedWithE2fsckThenMounted() throws IOException {
        Path device = attach("pgdata");
        signatures.put(device, filesystem("ext4"));
        Path target = root.resolve("pgdata");

        host.mount("pgdata", MountSpec.of("ext4"), target);

        assertEquals(List.of(
                List.of("blkid", "-p", "-o", "export", device.toString()),
                List.of("dumpe2fs", "-h", device.toString()),
                List.of("e2fsck", "-p", device.toString()),
                List.of("mount", "-t", "ext4", device.toString(), target.toString())), runner.commands());
        assertEquals(Filesystems.CHECK_TIMEOUT, runner.calls().get(2).timeout());
        assertTrue(host.isMounted(target));
    }

    @Test
    void ext2AndExt3FilesystemsAUserBroughtAreCheckedToo() throws IOException {
        for (String type : List.of("ext2", "ext3")) {
            Path device = attach("v-" + type);
            signatures.put(device, filesystem(type));

            host.mount("v-" + type, MountSpec.of("ext4"), root.resolve("v-" + type));

            assertEquals(List.of("e2fsck", "-p", device.toString()), runner.commands("e2fsck").get(runner.count("e2fsck") - 1));
        }
    }

    @Test
    void errorsE2fsckRepairedAreLoggedWithWhatItSaidAndTheFilesystemIsMounted() throws IOException {
        Path device = attach("pgdata");
        signatures.put(device, filesystem("ext4"));
        runner.answer("e2fsck", 1, device + " was not cleanly unmounted, check forced.\n"
                + device + ": 12/65536 files (0.0% non-contiguous), 26728/262144 blocks\n");

        try (LogCapture log = LogCapture.start()) {
            host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata"));

            assertTrue(log.text().contains("was not cleanly unmounted, check forced."), log.text());
            assertTrue(log.text().contains("repaired"), log.text());
        }
        assertTrue(host.isMounted(root.resolve("pgdata")));
    }

    @Test
    void exitTwoAsksForARebootWhichConcernsOnlyAMountedRootFilesystemSoTheVolumeIsMounted() throws IOException {
        for (int code : List.of(2, 3)) {
            String volume = "v" + code;
            signatures.put(attach(volume), filesystem("ext4"));
            runner.answer("e2fsck", code, "FILE SYSTEM WAS MODIFIED");

            host.mount(volume, MountSpec.of("ext4"), root.resolve(volume));

            assertTrue(host.isMounted(root.resolve(volume)), "exit " + code);
        }
    }

    @Test
    void errorsE2fsckLeavesToAPersonAreRefusedWithTheCommandToRunAndNothingIsMounted() throws IOException {
        Path device = attach("pgdata");
        signatures.put(device, filesystem("ext4"));
        Path target = root.resolve("pgdata");
        runner.answer("e2fsck", 4, device + ": Root inode is not a directory.\n\n\n" + device
                + ": UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY.\n\t(i.e., without -a or -p options)\n");

        FilesystemCheckFailedException e = assertThrows(FilesystemCheckFailedException.class,
                () -> host.mount("pgdata", MountSpec.of("ext4"), target));

        String message = e.getMessage();
        assertTrue(message.startsWith("mounting volume pgdata (" + device + ") at " + target
                + ": its ext4 filesystem has errors that e2fsck -p cannot fix safely (e2fsck -p " + device + " exited 4: "), message);
        assertTrue(message.contains("Root inode is not a directory."), message);
        assertTrue(message.contains("left the filesystem untouched; it was not mounted."), message);
        assertTrue(message.contains("on this droplet, with the volume attached and nothing else using it, run: e2fsck -f "
                + deviceDir.resolve("scsi-0DO_Volume_pgdata")), message);
        assertTrue(message.endsWith("then mount it again"), message);
        assertEquals(List.of("blkid", "dumpe2fs", "e2fsck"), runner.programs(), "no mount, no second try, no other repair");
        assertFalse(host.isMounted(target));
    }

    @Test
    void anyExitCodeOfFourOrMoreIsRefused() throws IOException {
        for (int code : List.of(5, 8, 12, 16, 32, 128)) {
            String volume = "v" + code;
            signatures.put(attach(volume), filesystem("ext4"));
            runner.answer("e2fsck", code, "e2fsck: something");

            assertThrows(FilesystemCheckFailedException.class, () -> host.mount(volume, MountSpec.of("ext4"), root.resolve(volume)),
                    "exit " + code);

            assertFalse(host.isMounted(root.resolve(volume)), "exit " + code);
        }
        assertEquals(0, runner.count("mount"));
    }

    @Test
    void aCheckThatCannotRunSaysSoNotThatTheFilesystemHasErrors() throws IOException {
        Path device = attach("pgdata");
        signatures.put(device, filesystem("ext4"));
        runner.answer("e2fsck", 8, "e2fsck: Device or resource busy while trying to open " + device
                + "\nFilesystem mounted or opened exclusively by another program?\n");

        FilesystemCheckFailedException e = assertThrows(FilesystemCheckFailedException.class,
                () -> host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata")));

        assertTrue(e.getMessage().contains(": e2fsck -p could not check its ext4 filesystem (e2fsck -p " + device
                + " exited 8: e2fsck: Device or resource busy"), e.getMessage());
        assertFalse(e.getMessage().contains("has errors"), e.getMessage());
        assertTrue(e.getMessage().contains("it was not mounted"), e.getMessage());
        assertEquals(0, runner.count("mount"));
    }

    /**
     * The kernel has the filesystem mounted in another mount namespace (here: the old droplet's, when
     * the emulator has no device-mapper and both get one loop device; on a droplet: a container's
     * private copy of the mounts): e2fsck would refuse ("is in use"), and a mount shares that live
     * filesystem.
     */
    @Test
    void aFilesystemTheKernelHasMountedInAnotherNamespaceIsMountedWithoutACheck() throws IOException {
        Path device = attach("pgdata");
        signatures.put(device, filesystem("ext4"));
        Path sysfs = Files.createDirectories(dir.resolve("sys"));
        Files.createDirectories(sysfs.resolve("fs/ext4").resolve(device.getFileName().toString()));
        host = new BlockDeviceHost(deviceDir, Duration.ofSeconds(2), runner, mountInfo, Duration.ofMillis(20),
                sysfs);

        host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata"));

        assertEquals(0, runner.count("e2fsck"));
        assertTrue(host.isMounted(root.resolve("pgdata")));
    }

    @Test
    void aDeviceInUseByAMountInAnotherMountNamespaceIsMountedWithoutACheck() throws IOException {
        // This process's mount table does not show it; the kernel does: e2fsck finds the device open
        // exclusively and stops with exit 8. A mount here then shares that live filesystem.
        Path device = attach("pgdata");
        signatures.put(device, filesystem("ext4"));
        runner.answer("e2fsck", 8, "e2fsck: Cannot continue, aborting.\n\n" + device + " is in use.\n");

        host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata"));

        assertEquals(List.of("blkid", "dumpe2fs", "e2fsck", "mount"), runner.programs());
        assertTrue(host.isMounted(root.resolve("pgdata")));
    }

    @Test
    void aCheckThatRunsPastItsTimeoutIsRefusedAndNothingIsMounted() throws IOException {
        Path device = attach("pgdata");
        signatures.put(device, filesystem("ext4"));
        runner.answer("e2fsck", command -> {
            throw new HostException(String.join(" ", command) + " did not finish within 10m and was killed; its output so far: (nothing)");
        });

        FilesystemCheckFailedException e = assertThrows(FilesystemCheckFailedException.class,
                () -> host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata")));

        assertTrue(e.getMessage().contains("e2fsck -p " + device + " did not finish within 10m and was killed"), e.getMessage());
        assertTrue(e.getMessage().contains("it was not mounted"), e.getMessage());
        assertEquals(0, runner.count("mount"));
    }

    @Test
    void xfsIsMountedWithoutACheckAsItReplaysItsLogWhenMounted() throws IOException {
        Path device = attach("logs");
        signatures.put(device, filesystem("xfs"));

        host.mount("logs", MountSpec.of("xfs"), root.resolve("logs"));

        assertEquals(List.of("blkid", "mount", "xfs_growfs"), runner.programs());
    }

    @Test
    void aFilesystemJustMadeHereIsNotChecked() throws IOException {
        attach("pgdata");

        host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata"));

        assertEquals(List.of("blkid", "mkfs.ext4", "blkid", "mount"), runner.programs());
    }

    @Test
    void aDeviceTheKernelHasMountedElsewhereIsNotCheckedAsE2fsckMustNotRunOnAMountedFilesystem() throws IOException {
        Path device = attach("pgdata");
        signatures.put(device, filesystem("ext4"));
        mountedByHand("ext4", device.toString(), dir.resolve("by-hand"));

        host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata"));

        assertEquals(List.of("blkid", "mount"), runner.programs());
        assertTrue(host.isMounted(root.resolve("pgdata")));
    }

    @Test
    void aLongRepairIsLoggedShortened() {
        String many = String.join("\n", java.util.stream.IntStream.rangeClosed(1, 500)
                .mapToObj(i -> "Inode " + i + " extent tree (at level 1) could be shorter.  IGNORED.").toList());

        String logged = Filesystems.shortened(many);

        assertTrue(logged.startsWith("Inode 1 extent tree"), logged);
        assertTrue(logged.endsWith("[480 more lines]"), logged);
        assertEquals(21, logged.lines().count());
    }

    @Test
    void aPartitionTableIsRefusedWithNoFormatAndNoMount() throws IOException {
        Path device = attach("pgdata");
        signatures.put(device, "DEVNAME=" + device + "\nPTUUID=311669eb\nPTTYPE=gpt\n");

        DeviceRefusedException e = assertThrows(DeviceRefusedException.class,
                () -> host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata")));

        assertEquals(List.of("blkid"), runner.programs());
        assertTrue(e.getMessage().contains("volume pgdata (" + device + ")"), e.getMessage());
        assertTrue(e.getMessage().contains("a gpt partition table"), e.getMessage());
        assertTrue(e.getMessage().contains("untouched"), e.getMessage());
        assertFalse(host.isMounted(root.resolve("pgdata")));
    }

    @Test
    void aSignatureThatIsNotAFilesystemIsRefused() throws IOException {
        Path device = attach("pgdata");
        signatures.put(device, "DEVNAME=" + device + "\nVERSION=2\nTYPE=crypto_LUKS\nUSAGE=crypto\n");

        DeviceRefusedException e = assertThrows(DeviceRefusedException.class,
                () -> host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata")));

        assertTrue(e.getMessage().contains("crypto_LUKS signature (usage crypto), not a filesystem"), e.getMessage());
        assertEquals(List.of("blkid"), runner.programs());
    }

    @Test
    void collidingSignaturesAreRefused() throws IOException {
        attach("pgdata");
        String said = "blkid: ambivalent result (probably more filesystems on the device, use wipefs(8) to see more details)";
        runner.answer("blkid", 8, said);

        DeviceRefusedException e = assertThrows(DeviceRefusedException.class,
                () -> host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata")));

        assertTrue(e.getMessage().contains(said), e.getMessage());
        assertEquals(List.of("blkid"), runner.programs());
    }

    @Test
    void aFailingProbeIsAnErrorCarryingTheCommandAndItsOutputNotABlankDevice() throws IOException {
        Path device = attach("pgdata");
        runner.answer("blkid", 4, "blkid: unexpected failure");

        HostException e = assertThrows(HostException.class, () -> host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata")));

        assertEquals("probing volume pgdata's device " + device + " for a filesystem: blkid -p -o export " + device
                + " exited 4: blkid: unexpected failure", e.getMessage());
        assertEquals(List.of("blkid"), runner.programs());
    }

    @Test
    void blkidExitingTwoWithAMessageIsAnErrorNotABlankDevice() throws IOException {
        attach("pgdata");
        runner.answer("blkid", 2, "blkid: error: cannot open device");

        assertThrows(HostException.class, () -> host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata")));

        assertEquals(0, runner.count("mkfs.ext4"));
    }

    @Test
    void aFailedFormatCarriesTheCommandAndItsOutputAndMountsNothing() throws IOException {
        Path device = attach("pgdata");
        runner.answer("mkfs.ext4", 1, "mke2fs 1.47.0 (5-Feb-2023)\nmkfs.ext4: Device size reported to be zero.\n");

        HostException e = assertThrows(HostException.class, () -> host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata")));

        assertEquals("formatting volume pgdata (" + device + ") as ext4: mkfs.ext4 -E nodiscard " + device
                + " exited 1: mke2fs 1.47.0 (5-Feb-2023)\nmkfs.ext4: Device size reported to be zero.", e.getMessage());
        assertEquals(0, runner.count("mount"));
    }

    @Test
    void aFormatThatLeavesNoFilesystemIsAnErrorAndMountsNothing() throws IOException {
        attach("pgdata");
        runner.answer("mkfs.ext4", 0, "pretending");

        HostException e = assertThrows(HostException.class, () -> host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata")));

        assertTrue(e.getMessage().contains("succeeded, but then blkid found no signature at all"), e.getMessage());
        assertEquals(0, runner.count("mount"));
    }

    @Test
    void onlyExt4AndXfsAreMadeAndAnythingElseRunsNothing() throws IOException {
        attach("pgdata");

        HostException e = assertThrows(HostException.class, () -> host.mount("pgdata", MountSpec.of("btrfs"), root.resolve("pgdata")));

        assertEquals("filesystem type 'btrfs' is not one this plugin makes; use one of ext4, xfs", e.getMessage());
        assertEquals(List.of(), runner.commands());
    }

    @Test
    void aNameThatCannotBeALinkNameIsRefused() {
        assertThrows(HostException.class, () -> host.mount("../sda", MountSpec.of("ext4"), root.resolve("x")));
        assertThrows(HostException.class, () -> host.mount("", MountSpec.of("ext4"), root.resolve("x")));
        assertEquals(List.of(), runner.commands());
    }

    @Test
    void aDeviceThatNeverAppearsIsATimeoutNamingTheLinkAndTheWait() {
        host = hostWaiting(Duration.ofMillis(150));
        long start = System.nanoTime();

        DeviceMissingException e = assertThrows(DeviceMissingException.class,
                () -> host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata")));

        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertEquals("waiting for volume pgdata's device: " + deviceDir.resolve("scsi-0DO_Volume_pgdata")
                + " did not appear within 150ms; is the volume attached to this droplet?", e.getMessage());
        assertTrue(tookMillis >= 150 && tookMillis < 1500, "waited " + tookMillis + " ms");
        assertEquals(List.of(), runner.commands());
    }

    @Test
    void aLinkThatLeadsNowhereYetIsWaitedFor() throws IOException {
        host = hostWaiting(Duration.ofMillis(100));
        Files.createSymbolicLink(deviceDir.resolve("scsi-0DO_Volume_pgdata"), dir.resolve("no-such-device"));

        assertThrows(DeviceMissingException.class, () -> host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata")));
    }

    @Test
    void aDeviceThatAppearsWhileWaitingIsMounted() throws Exception {
        Thread udev = new Thread(() -> {
            try {
                Thread.sleep(100);
                attach("pgdata");
            } catch (InterruptedException | IOException e) {
                throw new IllegalStateException(e);
            }
        });
        udev.start();

        host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata"));
        udev.join();

        assertTrue(host.isMounted(root.resolve("pgdata")));
    }

    @Test
    void mountingWhatIsMountedFromThisDeviceDoesNothing() throws IOException {
        attach("pgdata");
        host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata"));
        runner.forget();

        host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata"));
        host.mount("pgdata", MountSpec.of("ext4"), root.resolve("./pgdata/../pgdata"));

        assertEquals(List.of(), runner.commands());
    }

    @Test
    void aTargetWithAnotherMountIsAConflictNamingBothAndChangesNothing() throws IOException {
        Path device = attach("pgdata");
        Path target = root.resolve("pgdata");
        mountedByHand("tmpfs", "tmpfs", target);

        MountConflictException e = assertThrows(MountConflictException.class, () -> host.mount("pgdata", MountSpec.of("ext4"), target));

        assertEquals("mounting volume pgdata (" + device + ") at " + target + ": tmpfs from tmpfs (device 0:99) "
                + "is already mounted there; unmount it first", e.getMessage());
        assertEquals(List.of(), runner.commands());
    }

    @Test
    void aFailedMountCarriesTheCommandAndItsOutput() throws IOException {
        Path device = attach("pgdata");
        signatures.put(device, filesystem("ext4"));
        runner.answer("mount", 32, "mount: /mnt/pgdata: wrong fs type, bad option, bad superblock on /dev/sda.");

        HostException e = assertThrows(HostException.class, () -> host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata")));

        assertEquals("mounting volume pgdata (" + device + ") at " + root.resolve("pgdata") + ": mount -t ext4 " + device
                + " " + root.resolve("pgdata") + " exited 32: mount: /mnt/pgdata: wrong fs type, bad option, bad superblock on /dev/sda.",
                e.getMessage());
    }

    @Test
    void aMountTheTableDoesNotShowIsAnError() throws IOException {
        Path device = attach("pgdata");
        signatures.put(device, filesystem("ext4"));
        runner.answer("mount", 0, "");

        HostException e = assertThrows(HostException.class, () -> host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata")));

        assertTrue(e.getMessage().contains("succeeded, but " + mountInfo + " shows no mount of " + device), e.getMessage());
    }

    @Test
    void unmountRunsUmountOnlyWhenSomethingIsMounted() throws IOException {
        attach("pgdata");
        Path target = root.resolve("pgdata");
        host.mount("pgdata", MountSpec.of("ext4"), target);
        runner.forget();

        host.unmount(target);
        host.unmount(target);

        assertEquals(List.of(List.of("umount", target.toString())), runner.commands());
        assertFalse(host.isMounted(target));
    }

    @Test
    void aBusyMountIsAnErrorWithUmountsOutputAndStaysMounted() throws IOException {
        attach("pgdata");
        Path target = root.resolve("pgdata");
        host.mount("pgdata", MountSpec.of("ext4"), target);
        busy.add(target);

        MountBusyException e = assertThrows(MountBusyException.class, () -> host.unmount(target));

        assertTrue(e.getMessage().startsWith("unmounting " + target + ": umount " + target + " exited 32: umount: "
                + target + ": target is busy."), e.getMessage());
        assertTrue(host.isMounted(target));
        assertEquals(List.of(List.of("umount", target.toString())), runner.commands("umount"), "never retried lazily or forced");
    }

    @Test
    void aFailedUmountOfWhatIsNoLongerMountedIsDone() throws IOException {
        attach("pgdata");
        Path target = root.resolve("pgdata");
        host.mount("pgdata", MountSpec.of("ext4"), target);
        runner.answer("umount", command -> {
            removeMount(target);
            return new CommandResult(command, 32, "umount: " + target + ": not mounted.");
        });

        host.unmount(target);

        assertFalse(host.isMounted(target));
    }

    @Test
    void stackedMountsAreAllUnmounted() throws IOException {
        Path target = root.resolve("pgdata");
        mountedByHand("tmpfs", "tmpfs", target);
        mountedByHand("tmpfs", "tmpfs", target);

        host.unmount(target);

        assertEquals(2, runner.count("umount"));
        assertFalse(host.isMounted(target));
    }

    @Test
    void isMountedComparesNormalizedAbsolutePaths() throws IOException {
        attach("pgdata");
        host.mount("pgdata", MountSpec.of("ext4"), root.resolve("pgdata"));

        assertTrue(host.isMounted(root.resolve("x/../pgdata")));
        assertTrue(host.isMounted(Files.createSymbolicLink(dir.resolve("mnt-link"), root).resolve("pgdata")));
        assertFalse(host.isMounted(root.resolve("pgdata/sub")));
        assertFalse(host.isMounted(root));
    }

    @Test
    void mountsUnderListsOnlyVolumeDevicesDirectlyBelowTheRoot() throws IOException {
        attach("alpha");
        attach("beta");
        Path own = Files.writeString(dir.resolve("users-own-disk"), "");
        host.mount("alpha", MountSpec.of("ext4"), root.resolve("alpha"));
        host.mount("beta", MountSpec.of("xfs"), root.resolve("beta"));
        mountedByHand("tmpfs", "tmpfs", root.resolve("scratch"));
        mountedByHand("ext4", own.toString(), root.resolve("own"));
        mountedByHand("tmpfs", "tmpfs", root.resolve("alpha/deeper"));
        host.mount("alpha", MountSpec.of("ext4"), dir.resolve("elsewhere/alpha"));

        assertEquals(List.of(root.resolve("alpha"), root.resolve("beta")), host.mountsUnder(root));
        assertEquals(List.of(root.resolve("alpha"), root.resolve("beta")), host.mountsUnder(root.resolve("x/..")));
        assertEquals(List.of(), host.mountsUnder(root.resolve("alpha")));
    }

    @Test
    void mountsUnderIsEmptyWhenNoVolumeIsAttached() throws IOException {
        host = new BlockDeviceHost(dir.resolve("no-by-id"), Duration.ofSeconds(1), runner, mountInfo,
                Duration.ofMillis(20));
        mountedByHand("tmpfs", "tmpfs", root.resolve("scratch"));

        assertEquals(List.of(), host.mountsUnder(root));
    }

    @Test
    void aMountPointWithASpaceIsFoundThroughTheKernelsEscape() throws IOException {
        attach("pgdata");
        Path target = root.resolve("with space");

        host.mount("pgdata", MountSpec.of("ext4"), target);

        assertTrue(Files.readString(mountInfo).contains("with\\040space"));
        assertTrue(host.isMounted(target));
        assertEquals(List.of(target), host.mountsUnder(root));
    }

    @Test
    void theBackingIsCalledBlock() {
        assertEquals("block", host.kind());
    }

    /**
     * The check on real devices: loop devices, the real e2fsck, mount and the host's mount table. Needs
     * root, loop devices and e2fsprogs' tools; without them each test is SKIPPED loudly.
     */
    @Nested
    class OnLoopDevices {

        private static final long SIZE = 64L * 1024 * 1024;
        private static final String[] TOOLS = {"losetup", "blkid", "mkfs.ext4", "e2fsck", "debugfs", "tune2fs",
                "dumpe2fs", "xfs_io", "mount", "umount", "sync"};

        private LoopDevices loops;
        private FakeCommandRunner real;
        private BlockDeviceHost realHost;

        @BeforeEach
        void loopDevices(TestInfo test) {
            loops = LoopDevices.forTest("BlockDeviceHostTest." + test.getTestMethod().orElseThrow().getName(), TOOLS)
                    .unmountUnderOnClose(dir);
            real = FakeCommandRunner.recording(new ProcessRunner());
            realHost = new BlockDeviceHost(deviceDir, Duration.ofSeconds(2), real, BlockDeviceHost.DEFAULT_MOUNT_TABLE,
                    Duration.ofMillis(20));
        }

        @AfterEach
        void release() throws IOException {
            if (loops != null) {
                loops.close();
            }
            try (var links = Files.newDirectoryStream(deviceDir)) {
                for (Path link : links) {
                    Files.delete(link); // links to /dev/loopN, which the temporary folder's clean-up warns about
                }
            }
        }

        @Test
        void anExt4LeftDirtyByADiskThatWentAwayWhileMountedIsPreenedBeforeItIsMountedAndKeepsItsData() throws IOException {
            Path device = ext4Volume("pgdata");
            Path elsewhere = Files.createDirectories(dir.resolve("other-droplet"));
            loops.run("mount", device.toString(), elsewhere.toString());
            Files.writeString(elsewhere.resolve("hello.txt"), "written on the other droplet");
            Path rows = Files.createDirectories(elsewhere.resolve("rows"));
            for (int i = 0; i < 200; i++) {
                Files.writeString(rows.resolve("row-" + i), "row " + i);
            }
            loops.run("sync", "-f", elsewhere.toString());
            // What a forced takeover leaves: DigitalOcean detached the disk while that droplet's kernel had
            // it mounted. xfs_io's shutdown without -f "simulates a disk failure or crash" (xfs_io(8)): no
            // further I/O reaches the device and the journal is not flushed, so the superblock keeps
            // needs_recovery, as it was on the disk when the disk went away (ext4 implements the same
            // ioctl). The unmount that follows writes nothing either.
            loops.run("xfs_io", "-x", "-c", "shutdown", elsewhere.toString());
            loops.run("umount", elsewhere.toString());
            assertTrue(superblock(device).contains("needs_recovery"), "the set-up left a journal to recover");
            Path target = root.resolve("pgdata");

            realHost.mount("pgdata", MountSpec.of("ext4"), target);

            assertEquals(List.of("blkid", "dumpe2fs", "e2fsck", "mount"), real.programs());
            FakeCommandRunner.Call check = real.calls().get(2);
            assertTrue(check.result().exitCode() <= 1, check.result().failure());
            assertTrue(check.result().output().contains("recovering journal"), check.result().output());
            assertEquals("written on the other droplet", Files.readString(target.resolve("hello.txt")));
            for (int i = 0; i < 200; i++) {
                assertEquals("row " + i, Files.readString(target.resolve("rows/row-" + i)));
            }
            System.err.println("e2fsck -p of the volume left dirty exited " + check.result().exitCode() + " in "
                    + check.took().toMillis() + " ms");
            realHost.unmount(target);
            assertFalse(realHost.isMounted(target));
        }

        @Test
        void anExt4WithErrorsE2fsckMayNotFixIsRefusedAndNotMountedAndOnlyItsSuperblockChanges() throws Exception {
            Path device = ext4Volume("pgdata");
            Path elsewhere = Files.createDirectories(dir.resolve("other-droplet"));
            loops.run("mount", device.toString(), elsewhere.toString());
            Files.writeString(elsewhere.resolve("hello.txt"), "precious");
            loops.run("umount", elsewhere.toString());
            // A crash that destroyed the root folder's inode (debugfs clri zeroes it), on a filesystem marked
            // as having errors, as the kernel marks one when it meets a corrupt inode (tune2fs -E force_fsck
            // sets that mark, tune2fs(8)). Repairing it means re-creating the root folder and reconnecting
            // what was in it to lost+found, which e2fsck -p leaves to a person.
            loops.run("debugfs", "-w", "-R", "clri <2>", device.toString());
            loops.run("tune2fs", "-E", "force_fsck", device.toString());
            Path before = dir.resolve("before.img");
            try (InputStream bytes = Files.newInputStream(device)) {
                Files.copy(bytes, before); // the bytes: Files.copy(device, ...) would make a device node
            }
            Path target = root.resolve("pgdata");

            FilesystemCheckFailedException e = assertThrows(FilesystemCheckFailedException.class,
                    () -> realHost.mount("pgdata", MountSpec.of("ext4"), target));

            FakeCommandRunner.Call check = real.calls().get(2);
            assertEquals(List.of("e2fsck", "-p", device.toString()), check.command());
            assertEquals(4, check.result().exitCode(), check.result().failure());
            assertEquals(List.of("blkid", "dumpe2fs", "e2fsck"), real.programs(), "nothing mounted, nothing else run");
            assertFalse(realHost.isMounted(target));
            assertTrue(e.getMessage().startsWith("mounting volume pgdata (" + device + ") at " + target
                    + ": its ext4 filesystem has errors that e2fsck -p cannot fix safely"), e.getMessage());
            assertTrue(e.getMessage().contains("Root inode is not a directory"), e.getMessage());
            assertTrue(e.getMessage().contains("run: e2fsck -f " + deviceDir.resolve("scsi-0DO_Volume_pgdata")), e.getMessage());
            // e2fsck -p, stopping, writes the primary superblock (bytes 1024 to 2047): the time of the write,
            // the kilobytes written and the checksum, keeping the mark that errors remain. Nothing else.
            List<Long> changed = differingOffsets(before, device);
            assertTrue(changed.stream().allMatch(offset -> offset >= 1024 && offset < 2048),
                    "bytes changed outside the primary superblock, at " + changed);
            assertTrue(superblock(device).contains("with errors"), superblock(device));
            System.err.println("e2fsck -p of the damaged volume took " + check.took().toMillis() + " ms; it changed "
                    + changed.size() + " bytes of its superblock");
        }

        @Test
        void anExt4WhoseDeviceGrewIsGrownOnTheNextMountAndKeepsItsData() throws IOException {
            LoopDevices.requireTools("BlockDeviceHostTest.anExt4WhoseDeviceGrewIsGrownOnTheNextMountAndKeepsItsData",
                    "mkfs.ext4", "e2fsck", "resize2fs", "dumpe2fs");
            Path image = dir.resolve("pgdata.img");
            Path device = blankVolume("pgdata", image, SIZE);
            Path target = root.resolve("pgdata");
            realHost.mount("pgdata", MountSpec.of("ext4"), target);
            writeRows(target);
            realHost.unmount(target);

            growDevice(image, device, 2 * SIZE); // what the emulator's resize does to an attached volume's device
            realHost.mount("pgdata", MountSpec.of("ext4"), target);

            FakeCommandRunner.Call grow = real.calls().stream().filter(c -> c.program().equals("resize2fs")).findFirst()
                    .orElseThrow(() -> new AssertionError("not grown: " + real.programs()));
            assertEquals(List.of("resize2fs", device.toString()), grow.command());
            assertTrue(grow.result().succeeded(), grow.result().failure());
            assertTrue(real.commands("e2fsck").contains(List.of("e2fsck", "-f", "-p", device.toString())), real.commands().toString());
            long size = Files.getFileStore(target).getTotalSpace();
            assertTrue(size > SIZE + SIZE / 2, "statvfs says " + size + " bytes, device " + 2 * SIZE);
            assertRows(target);
            System.err.println("resize2fs grew the ext4 volume from 64 to 128 MiB in " + grow.took().toMillis() + " ms");
            realHost.unmount(target);

            real.forget();
            realHost.mount("pgdata", MountSpec.of("ext4"), target);
            assertEquals(List.of("blkid", "dumpe2fs", "e2fsck", "mount"), real.programs(), "grown once: not again");
            realHost.unmount(target);
        }

        @Test
        void anXfsWhoseDeviceGrewIsGrownOnTheNextMountAndKeepsItsData() throws IOException {
            LoopDevices.requireTools("BlockDeviceHostTest.anXfsWhoseDeviceGrewIsGrownOnTheNextMountAndKeepsItsData",
                    "mkfs.xfs", "xfs_growfs");
            long xfsSize = 320L * 1024 * 1024; // mkfs.xfs 6.x makes nothing under 300 MB
            Path image = dir.resolve("logs.img");
            Path device = blankVolume("logs", image, xfsSize);
            Path target = root.resolve("logs");
            realHost.mount("logs", MountSpec.of("xfs"), target);
            writeRows(target);
            realHost.unmount(target);

            growDevice(image, device, 2 * xfsSize);
            realHost.mount("logs", MountSpec.of("xfs"), target);

            FakeCommandRunner.Call grow = real.calls().stream().filter(c -> c.command().equals(
                    List.of("xfs_growfs", "-d", target.toString()))).findFirst()
                    .orElseThrow(() -> new AssertionError("not grown: " + real.commands()));
            assertTrue(grow.result().succeeded(), grow.result().failure());
            long size = Files.getFileStore(target).getTotalSpace();
            assertTrue(size > xfsSize + xfsSize / 2, "statvfs says " + size + " bytes, device " + 2 * xfsSize);
            assertRows(target);
            System.err.println("xfs_growfs grew the xfs volume from 320 to 640 MiB in " + grow.took().toMillis() + " ms");
            realHost.unmount(target);

            real.forget();
            realHost.mount("logs", MountSpec.of("xfs"), target);
            assertEquals(List.of(List.of("xfs_growfs", "-n", target.toString())), real.commands("xfs_growfs"),
                    "grown once: only measured again");
            realHost.unmount(target);
        }

        @Test
        void aNewFilesystemsRootAndNewSubFoldersGetTheOwnerGroupAndModeAndWhatExistedIsNeverChanged() throws IOException {
            Path device = blankVolume("pgdata", dir.resolve("pgdata.img"), SIZE);
            Path target = root.resolve("pgdata");

            realHost.mount("pgdata", new MountSpec("ext4", List.of(), new Ownership(1234, 5678, 0750)), target);

            assertEquals(List.of(1234, 5678, 0750), owner(target));
            assertEquals(List.of(0, 0, 0700), owner(target.resolve("lost+found")), "mke2fs's lost+found is left as made");
            Path mine = Files.createDirectories(target.resolve("mine"));
            Path data = realHost.folder("pgdata", target, "mine/data", new Ownership(999, 998, 0700));
            assertEquals(List.of(999, 998, 0700), owner(data));
            assertEquals(List.of(0, 0, 0755), owner(mine), "the folder that existed keeps its owner and mode");
            realHost.unmount(target);

            realHost.mount("pgdata", new MountSpec("ext4", List.of(), new Ownership(42, 43, 0777)), target);
            assertEquals(List.of(1234, 5678, 0750), owner(target), "a filesystem that was there is never changed");
            realHost.folder("pgdata", target, "mine/data", new Ownership(42, 43, 0777));
            assertEquals(List.of(999, 998, 0700), owner(data), "nor a sub-folder that was there");
            assertEquals(1, real.count("mkfs.ext4"));
            System.err.println("device " + device + " formatted once, owners applied once");
            realHost.unmount(target);
        }

        /**
         * A Mount that stopped after its mkfs (dockerd's deadline passed, the mount failed, a crash) left
         * a filesystem whose root nobody was given: the next Mount gives it, the one after never again.
         */
        @Test
        void aFilesystemMadeByAMountThatStoppedBeforeItsOwnerGetsItsOwnerFromTheNextMount() throws IOException {
            ext4Volume("pgdata"); // made, never mounted: as the Mount that stopped left it
            Path target = root.resolve("pgdata");

            realHost.mount("pgdata", new MountSpec("ext4", List.of(), new Ownership(999, 999, 0700)), target);

            assertEquals(List.of(999, 999, 0700), owner(target));
            assertEquals(0, real.count("mkfs.ext4"), "not formatted again");
            Files.writeString(target.resolve("PG_VERSION"), "16");
            realHost.unmount(target);

            realHost.mount("pgdata", new MountSpec("ext4", List.of(), new Ownership(999, 999, 0700)), target);
            assertEquals(List.of(999, 999, 0700), owner(target));
            assertEquals("16", Files.readString(target.resolve("PG_VERSION")));
            realHost.unmount(target);
        }

        /** An xfs made the same way: no lost+found, an empty root. */
        @Test
        void anXfsMadeByAMountThatStoppedBeforeItsOwnerGetsItsOwnerFromTheNextMount() throws IOException {
            LoopDevices.requireTools("BlockDeviceHostTest.anXfsMadeByAMountThatStoppedBeforeItsOwnerGetsItsOwnerFromTheNextMount",
                    "mkfs.xfs");
            Path device = blankVolume("logs", dir.resolve("logs.img"), 320L * 1024 * 1024);
            loops.run("mkfs.xfs", "-q", "-K", device.toString());
            Path target = root.resolve("logs");

            realHost.mount("logs", new MountSpec("xfs", List.of(), new Ownership(1000, 1000, null)), target);

            assertEquals(List.of(1000, 1000, 0755), owner(target));
            realHost.unmount(target);
        }

        /** A blank loop device over {@code image} behind the volume's link. */
        private Path blankVolume(String volume, Path image, long bytes) throws IOException {
            Path device = loops.blank(dir, image.getFileName().toString(), bytes);
            Files.createSymbolicLink(deviceDir.resolve("scsi-0DO_Volume_" + volume), device);
            return device;
        }

        /** Grows the loop device's backing file and tells the loop driver ({@code losetup -c}, losetup(8)). */
        private void growDevice(Path image, Path device, long bytes) throws IOException {
            try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(image.toFile(), "rw")) {
                file.setLength(bytes);
            }
            loops.run("losetup", "-c", device.toString());
        }

        private void writeRows(Path folder) throws IOException {
            Path rows = Files.createDirectories(folder.resolve("rows"));
            for (int i = 0; i < 100; i++) {
                Files.writeString(rows.resolve("row-" + i), "row " + i);
            }
        }

        private void assertRows(Path folder) throws IOException {
            for (int i = 0; i < 100; i++) {
                assertEquals("row " + i, Files.readString(folder.resolve("rows/row-" + i)));
            }
        }

        private List<Integer> owner(Path folder) throws IOException {
            return List.of((Integer) Files.getAttribute(folder, "unix:uid"), (Integer) Files.getAttribute(folder, "unix:gid"),
                    (Integer) Files.getAttribute(folder, "unix:mode") & 07777);
        }

        /** A blank loop device behind the volume's link, formatted as mkfs.ext4 does for the plugin. */
        private Path ext4Volume(String volume) throws IOException {
            Path device = loops.blank(dir, volume + ".img", SIZE);
            Files.createSymbolicLink(deviceDir.resolve("scsi-0DO_Volume_" + volume), device);
            loops.run("mkfs.ext4", "-q", "-E", "nodiscard", device.toString());
            return device;
        }

        private String superblock(Path device) {
            return loops.run("dumpe2fs", "-h", device.toString()).output();
        }

        /** The offsets at which the bytes of the two files differ. */
        private static List<Long> differingOffsets(Path a, Path b) throws IOException {
            List<Long> offsets = new ArrayList<>();
            byte[] x = new byte[1 << 20];
            byte[] y = new byte[1 << 20];
            try (InputStream one = Files.newInputStream(a); InputStream two = Files.newInputStream(b)) {
                for (long at = 0; ; at += x.length) {
                    int n = one.readNBytes(x, 0, x.length);
                    int m = two.readNBytes(y, 0, y.length);
                    if (n != m) {
                        offsets.add(at + Math.min(n, m));
                    }
                    for (int i = 0; i < Math.min(n, m); i++) {
                        if (x[i] != y[i]) {
                            offsets.add(at + i);
                        }
                    }
                    if (n < x.length || m < y.length) {
                        return offsets;
                    }
                }
            }
        }
    }

    // --- the simulated node ---

    private BlockDeviceHost hostWaiting(Duration wait) {
        return new BlockDeviceHost(deviceDir, wait, runner, mountInfo, Duration.ofMillis(20));
    }

    private static final long MIB = 1024 * 1024;

    /** A blank "device" of {@code bytes} (a sparse file) for the volume and its link; returns the device's real path. */
    private Path attachSized(String volume, long bytes) throws IOException {
        Path device = attach(volume);
        try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(device.toFile(), "rw")) {
            file.setLength(bytes);
        }
        return device;
    }

    private static int mode(Path folder) throws IOException {
        return (Integer) Files.getAttribute(folder, "unix:mode") & 07777;
    }

    private int ownUid() throws IOException {
        return (Integer) Files.getAttribute(dir, "unix:uid");
    }

    private int ownGid() throws IOException {
        return (Integer) Files.getAttribute(dir, "unix:gid");
    }

    /** Makes a blank "device" for the volume and its link, as udev does on attach; returns the device's real path. */
    private Path attach(String volume) throws IOException {
        Path device = Files.createDirectories(dir.resolve("dev")).resolve("disk-" + volume);
        Files.write(device, new byte[8192]);
        Files.createSymbolicLink(deviceDir.resolve("scsi-0DO_Volume_" + volume), device);
        return device.toRealPath();
    }

    private static String filesystem(String type) {
        return "UUID=0b683e63-631b-4423-b281-59c5b4c1df8a\nBLOCK_SIZE=4096\nTYPE=" + type + "\nUSAGE=filesystem\n";
    }

    private CommandResult blkid(List<String> command) {
        Path device = Path.of(command.get(command.size() - 1));
        String found = signatures.get(device);
        return found == null
                ? new CommandResult(command, 2, "")
                : new CommandResult(command, 0, "DEVNAME=" + device + "\n" + found);
    }

    private CommandResult mkfs(List<String> command, String type) {
        signatures.put(Path.of(command.get(command.size() - 1)), filesystem(type));
        return new CommandResult(command, 0, "");
    }

    private long filesystemSize(Path device) {
        try {
            return filesystemSizes.getOrDefault(device, Files.size(device));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The filesystem fills its device now. */
    private CommandResult grown(List<String> command, Path device) {
        filesystemSizes.remove(device);
        return new CommandResult(command, 0, "");
    }

    private CommandResult xfsGrowfs(List<String> command) {
        Path device = mountedFrom.get(Path.of(command.get(2)));
        if (command.get(1).equals("-d")) {
            return grown(command, device);
        }
        return new CommandResult(command, 0, "meta-data=" + device + "             isize=512    agcount=4, agsize=65536 blks\n"
                + "data     =                       bsize=4096   blocks=" + filesystemSize(device) / 4096 + ", imaxpct=25\n"
                + "naming   =version 2              bsize=4096   ascii-ci=0, ftype=1\n");
    }

    private CommandResult mount(List<String> command) {
        List<String> args = new ArrayList<>(command.subList(1, command.size()));
        String type = args.get(args.indexOf("-t") + 1);
        String source = args.get(args.size() - 2);
        mountedFrom.put(Path.of(args.get(args.size() - 1)), Path.of(source));
        addMount(type, source, Path.of(args.get(args.size() - 1)));
        return new CommandResult(command, 0, "");
    }

    private CommandResult umount(List<String> command) {
        Path target = Path.of(command.get(1));
        if (busy.contains(target)) {
            return new CommandResult(command, 32, "umount: " + target + ": target is busy.\n");
        }
        removeMount(target);
        return new CommandResult(command, 0, "");
    }

    private void mountedByHand(String type, String source, Path target) throws IOException {
        Files.createDirectories(target);
        addMount(type, source, target);
    }

    private void addMount(String type, String source, Path target) {
        String device = source.startsWith("/") ? "7:" + nextMountId.get() : "0:99";
        String line = nextMountId.getAndIncrement() + " 26 " + device + " / " + escape(target.toString())
                + " rw,relatime shared:7 - " + type + " " + escape(source) + " rw\n";
        try {
            Files.writeString(mountInfo, Files.readString(mountInfo) + line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes the top mount at {@code target}, as umount does. */
    private void removeMount(Path target) {
        try {
            List<String> lines = new ArrayList<>(Files.readAllLines(mountInfo));
            String field = " " + escape(target.toString()) + " ";
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (lines.get(i).split(" ")[4].equals(field.strip())) {
                    lines.remove(i);
                    break;
                }
            }
            Files.writeString(mountInfo, String.join("\n", lines) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String escape(String path) {
        return path.replace("\\", "\\134").replace(" ", "\\040").replace("\t", "\\011").replace("\n", "\\012");
    }
}
