package io.dostorage.host;

import io.dostorage.support.FakeCommandRunner;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
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
                .answer("mount", this::mount)
                .answer("umount", this::umount);
        host = hostWaiting(Duration.ofSeconds(2));
    }

    @Test
    void aBlankDeviceIsFormattedOnceWithTheAskedTypeThenMounted() throws IOException {
        Path device = attach("pgdata");
        Path target = root.resolve("pgdata");

        host.mount("pgdata", "ext4", target);

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

        host.mount("logs", "xfs", root.resolve("logs"));

        assertEquals(List.of(List.of("mkfs.xfs", "-K", device.toString())), runner.commands("mkfs.xfs"));
        assertEquals(0, runner.count("mkfs.ext4"));
        assertEquals("xfs", runner.commands("mount").get(0).get(2));
    }

    @Test
    void mountOptionsArePassedJoined() throws IOException {
        Path device = attach("pgdata");
        host = new BlockDeviceHost(deviceDir, Duration.ofSeconds(2), runner, mountInfo, List.of("noatime", "discard"),
                Duration.ofMillis(20));

        host.mount("pgdata", "ext4", root.resolve("pgdata"));

        assertEquals(List.of("mount", "-t", "ext4", "-o", "noatime,discard", device.toString(),
                root.resolve("pgdata").toString()), runner.commands("mount").get(0));
    }

    @Test
    void aDeviceWithAFilesystemIsNeverFormattedAndIsMountedWithItsOwnType() throws IOException {
        Path device = attach("pgdata");
        signatures.put(device, filesystem("xfs"));

        host.mount("pgdata", "ext4", root.resolve("pgdata"));

        assertEquals(List.of("blkid", "mount"), runner.programs());
        assertEquals(List.of("mount", "-t", "xfs", device.toString(), root.resolve("pgdata").toString()),
                runner.commands("mount").get(0));
    }

    @Test
    void aPartitionTableIsRefusedWithNoFormatAndNoMount() throws IOException {
        Path device = attach("pgdata");
        signatures.put(device, "DEVNAME=" + device + "\nPTUUID=311669eb\nPTTYPE=gpt\n");

        DeviceRefusedException e = assertThrows(DeviceRefusedException.class,
                () -> host.mount("pgdata", "ext4", root.resolve("pgdata")));

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
                () -> host.mount("pgdata", "ext4", root.resolve("pgdata")));

        assertTrue(e.getMessage().contains("crypto_LUKS signature (usage crypto), not a filesystem"), e.getMessage());
        assertEquals(List.of("blkid"), runner.programs());
    }

    @Test
    void collidingSignaturesAreRefused() throws IOException {
        attach("pgdata");
        String said = "blkid: ambivalent result (probably more filesystems on the device, use wipefs(8) to see more details)";
        runner.answer("blkid", 8, said);

        DeviceRefusedException e = assertThrows(DeviceRefusedException.class,
                () -> host.mount("pgdata", "ext4", root.resolve("pgdata")));

        assertTrue(e.getMessage().contains(said), e.getMessage());
        assertEquals(List.of("blkid"), runner.programs());
    }

    @Test
    void aFailingProbeIsAnErrorCarryingTheCommandAndItsOutputNotABlankDevice() throws IOException {
        Path device = attach("pgdata");
        runner.answer("blkid", 4, "blkid: unexpected failure");

        HostException e = assertThrows(HostException.class, () -> host.mount("pgdata", "ext4", root.resolve("pgdata")));

        assertEquals("probing volume pgdata's device " + device + " for a filesystem: blkid -p -o export " + device
                + " exited 4: blkid: unexpected failure", e.getMessage());
        assertEquals(List.of("blkid"), runner.programs());
    }

    @Test
    void blkidExitingTwoWithAMessageIsAnErrorNotABlankDevice() throws IOException {
        attach("pgdata");
        runner.answer("blkid", 2, "blkid: error: cannot open device");

        assertThrows(HostException.class, () -> host.mount("pgdata", "ext4", root.resolve("pgdata")));

        assertEquals(0, runner.count("mkfs.ext4"));
    }

    @Test
    void aFailedFormatCarriesTheCommandAndItsOutputAndMountsNothing() throws IOException {
        Path device = attach("pgdata");
        runner.answer("mkfs.ext4", 1, "mke2fs 1.47.0 (5-Feb-2023)\nmkfs.ext4: Device size reported to be zero.\n");

        HostException e = assertThrows(HostException.class, () -> host.mount("pgdata", "ext4", root.resolve("pgdata")));

        assertEquals("formatting volume pgdata (" + device + ") as ext4: mkfs.ext4 -E nodiscard " + device
                + " exited 1: mke2fs 1.47.0 (5-Feb-2023)\nmkfs.ext4: Device size reported to be zero.", e.getMessage());
        assertEquals(0, runner.count("mount"));
    }

    @Test
    void aFormatThatLeavesNoFilesystemIsAnErrorAndMountsNothing() throws IOException {
        attach("pgdata");
        runner.answer("mkfs.ext4", 0, "pretending");

        HostException e = assertThrows(HostException.class, () -> host.mount("pgdata", "ext4", root.resolve("pgdata")));

        assertTrue(e.getMessage().contains("succeeded, but then blkid found no signature at all"), e.getMessage());
        assertEquals(0, runner.count("mount"));
    }

    @Test
    void onlyExt4AndXfsAreMadeAndAnythingElseRunsNothing() throws IOException {
        attach("pgdata");

        HostException e = assertThrows(HostException.class, () -> host.mount("pgdata", "btrfs", root.resolve("pgdata")));

        assertEquals("filesystem type 'btrfs' is not one this plugin makes; use one of ext4, xfs", e.getMessage());
        assertEquals(List.of(), runner.commands());
    }

    @Test
    void aNameThatCannotBeALinkNameIsRefused() {
        assertThrows(HostException.class, () -> host.mount("../sda", "ext4", root.resolve("x")));
        assertThrows(HostException.class, () -> host.mount("", "ext4", root.resolve("x")));
        assertEquals(List.of(), runner.commands());
    }

    @Test
    void aDeviceThatNeverAppearsIsATimeoutNamingTheLinkAndTheWait() {
        host = hostWaiting(Duration.ofMillis(150));
        long start = System.nanoTime();

        DeviceMissingException e = assertThrows(DeviceMissingException.class,
                () -> host.mount("pgdata", "ext4", root.resolve("pgdata")));

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

        assertThrows(DeviceMissingException.class, () -> host.mount("pgdata", "ext4", root.resolve("pgdata")));
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

        host.mount("pgdata", "ext4", root.resolve("pgdata"));
        udev.join();

        assertTrue(host.isMounted(root.resolve("pgdata")));
    }

    @Test
    void mountingWhatIsMountedFromThisDeviceDoesNothing() throws IOException {
        attach("pgdata");
        host.mount("pgdata", "ext4", root.resolve("pgdata"));
        runner.forget();

        host.mount("pgdata", "ext4", root.resolve("pgdata"));
        host.mount("pgdata", "ext4", root.resolve("./pgdata/../pgdata"));

        assertEquals(List.of(), runner.commands());
    }

    @Test
    void aTargetWithAnotherMountIsAConflictNamingBothAndChangesNothing() throws IOException {
        Path device = attach("pgdata");
        Path target = root.resolve("pgdata");
        mountedByHand("tmpfs", "tmpfs", target);

        MountConflictException e = assertThrows(MountConflictException.class, () -> host.mount("pgdata", "ext4", target));

        assertEquals("mounting volume pgdata (" + device + ") at " + target + ": tmpfs from tmpfs (device 0:99) "
                + "is already mounted there; unmount it first", e.getMessage());
        assertEquals(List.of(), runner.commands());
    }

    @Test
    void aFailedMountCarriesTheCommandAndItsOutput() throws IOException {
        Path device = attach("pgdata");
        signatures.put(device, filesystem("ext4"));
        runner.answer("mount", 32, "mount: /mnt/pgdata: wrong fs type, bad option, bad superblock on /dev/sda.");

        HostException e = assertThrows(HostException.class, () -> host.mount("pgdata", "ext4", root.resolve("pgdata")));

        assertEquals("mounting volume pgdata (" + device + ") at " + root.resolve("pgdata") + ": mount -t ext4 " + device
                + " " + root.resolve("pgdata") + " exited 32: mount: /mnt/pgdata: wrong fs type, bad option, bad superblock on /dev/sda.",
                e.getMessage());
    }

    @Test
    void aMountTheTableDoesNotShowIsAnError() throws IOException {
        Path device = attach("pgdata");
        signatures.put(device, filesystem("ext4"));
        runner.answer("mount", 0, "");

        HostException e = assertThrows(HostException.class, () -> host.mount("pgdata", "ext4", root.resolve("pgdata")));

        assertTrue(e.getMessage().contains("succeeded, but " + mountInfo + " shows no mount of " + device), e.getMessage());
    }

    @Test
    void unmountRunsUmountOnlyWhenSomethingIsMounted() throws IOException {
        attach("pgdata");
        Path target = root.resolve("pgdata");
        host.mount("pgdata", "ext4", target);
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
        host.mount("pgdata", "ext4", target);
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
        host.mount("pgdata", "ext4", target);
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
        host.mount("pgdata", "ext4", root.resolve("pgdata"));

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
        host.mount("alpha", "ext4", root.resolve("alpha"));
        host.mount("beta", "xfs", root.resolve("beta"));
        mountedByHand("tmpfs", "tmpfs", root.resolve("scratch"));
        mountedByHand("ext4", own.toString(), root.resolve("own"));
        mountedByHand("tmpfs", "tmpfs", root.resolve("alpha/deeper"));
        host.mount("alpha", "ext4", dir.resolve("elsewhere/alpha"));

        assertEquals(List.of(root.resolve("alpha"), root.resolve("beta")), host.mountsUnder(root));
        assertEquals(List.of(root.resolve("alpha"), root.resolve("beta")), host.mountsUnder(root.resolve("x/..")));
        assertEquals(List.of(), host.mountsUnder(root.resolve("alpha")));
    }

    @Test
    void mountsUnderIsEmptyWhenNoVolumeIsAttached() throws IOException {
        host = new BlockDeviceHost(dir.resolve("no-by-id"), Duration.ofSeconds(1), runner, mountInfo, List.of(),
                Duration.ofMillis(20));
        mountedByHand("tmpfs", "tmpfs", root.resolve("scratch"));

        assertEquals(List.of(), host.mountsUnder(root));
    }

    @Test
    void aMountPointWithASpaceIsFoundThroughTheKernelsEscape() throws IOException {
        attach("pgdata");
        Path target = root.resolve("with space");

        host.mount("pgdata", "ext4", target);

        assertTrue(Files.readString(mountInfo).contains("with\\040space"));
        assertTrue(host.isMounted(target));
        assertEquals(List.of(target), host.mountsUnder(root));
    }

    @Test
    void theBackingIsCalledBlock() {
        assertEquals("block", host.kind());
    }

    // --- the simulated node ---

    private BlockDeviceHost hostWaiting(Duration wait) {
        return new BlockDeviceHost(deviceDir, wait, runner, mountInfo, List.of(), Duration.ofMillis(20));
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

    private CommandResult mount(List<String> command) {
        List<String> args = new ArrayList<>(command.subList(1, command.size()));
        String type = args.get(args.indexOf("-t") + 1);
        String source = args.get(args.size() - 2);
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
