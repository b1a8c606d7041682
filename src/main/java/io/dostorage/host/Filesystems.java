package io.dostorage.host;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The filesystem on a volume's device, with the system's tools: what the device holds ({@code blkid -p}),
 * a filesystem made on a blank device ({@code mkfs}), a check of one that was there ({@code e2fsck -p}),
 * and its growth to a device that grew ({@link FilesystemGrowth}). {@link BlockDeviceHost} decides when,
 * around the mount; this class does the work on the device.
 */
final class Filesystems {

    /** blkid reads a few blocks; a minute means the device hangs. */
    static final Duration PROBE_TIMEOUT = Duration.ofMinutes(1);

    /** mkfs without a discard pass writes metadata only (ext4 initialises inode tables lazily); generous for a 16 TiB volume. */
    static final Duration FORMAT_TIMEOUT = Duration.ofMinutes(10);

    /**
     * e2fsck's time grows with the inodes and folders in use more than with the volume's size (with
     * uninit_bg or metadata_csum it skips block groups that were never used, ext4(5)): a 100 GiB loop
     * device with 100,000 files is checked in under a second, a volume of millions of files on network
     * storage may take minutes. As generous as a format. A check still running then is killed and the
     * mount fails; e2fsck marks a filesystem clean only when a check completes, so the next mount checks
     * it again.
     */
    static final Duration CHECK_TIMEOUT = Duration.ofMinutes(10);

    /**
     * The filesystems checked before they are mounted: e2fsck's (e2fsck(8)), ext4, which this plugin
     * makes, and ext2 and ext3, which a user may bring. xfs is not checked: it replays its log when it is
     * mounted (fsck.xfs(8): "performs recovery at mount(8) time if necessary, so fsck.xfs simply exits"),
     * and its repair tool is for a person: xfs_repair(8) "cannot replay a dirty log", and its -L erases the
     * log, which "can cause the loss of user files". Other types (a user's btrfs) are mounted unchecked.
     */
    static final Set<String> CHECKED_TYPES = Set.of("ext2", "ext3", "ext4");

    /** e2fsck's exit code is the sum of these conditions (e2fsck(8), "EXIT CODE"). */
    private static final int E2FSCK_CORRECTED = 1;
    private static final int E2FSCK_CORRECTED_REBOOT = 2;
    private static final int E2FSCK_UNCORRECTED = 4;
    private static final int E2FSCK_OPERATIONAL_ERROR = 8;

    /** How much of a tool's output a message keeps: e2fsck prints a line per repair, so a big repair prints thousands. */
    private static final int LOGGED_LINES = 20;

    private static final Logger LOG = Logger.getLogger(Filesystems.class);

    private final CommandRunner runner;
    private final DeviceLinks links;
    private final Path mountTable;
    private final Path sysfs;
    private final FilesystemGrowth growth;

    Filesystems(CommandRunner runner, DeviceLinks links, Path mountTable, Path sysfs) {
        this.runner = runner;
        this.links = links;
        this.mountTable = mountTable;
        this.sysfs = sysfs;
        this.growth = new FilesystemGrowth(runner, sysfs);
    }

    /**
     * What {@link #ready} found or made on the device.
     *
     * @param type the filesystem's type, as blkid names it
     * @param made whether it was made now, on a blank device
     * @param live whether the kernel has it mounted already, elsewhere (see {@link #liveElsewhere}): it
     *             was neither checked nor grown, and a mount shares that live filesystem
     */
    record Ready(String type, boolean made, boolean live) {
    }

    /**
     * Makes the device ready to mount: a blank device is formatted as {@code type}; a filesystem that
     * was there is checked first (ext2/3/4) and, when it is ext4 and its device has grown, grown to the
     * device (xfs grows only mounted: {@link #grownMounted}).
     *
     * @throws DeviceRefusedException when the device holds anything but a filesystem or nothing
     * @throws FilesystemCheckFailedException when the filesystem that was there did not pass its check
     */
    Ready ready(String volume, Device device, FilesystemType type, String doing) {
        DeviceContents contents = probe(volume, device);
        switch (contents.kind()) {
            case FILESYSTEM:
                String found = contents.type();
                if (liveElsewhere(volume, device, found)) {
                    return new Ready(found, false, true);
                }
                if (!CHECKED_TYPES.contains(found)) {
                    return new Ready(found, false, false);
                }
                Optional<FilesystemGrowth.Sizes> grow = "ext4".equals(found) ? growth.ext4Wanted(volume, device)
                        : Optional.empty();
                if (!check(volume, device, found, doing, grow.isPresent())) {
                    return new Ready(found, false, true);
                }
                if (grow.isPresent() && !growth.growExt4(volume, device, grow.get())) {
                    // resize2fs stopped with an error: what it left is checked as any filesystem before a mount.
                    check(volume, device, found, doing, false);
                }
                return new Ready(found, false, false);
            case BLANK:
                return new Ready(format(volume, device, type), true, false);
            default:
                throw new DeviceRefusedException(doing + ": the device holds " + contents.describe()
                        + "; this plugin formats only a blank device and mounts only a filesystem on the whole "
                        + "device, so it left this one untouched (see what it is with: blkid -p " + device
                        + ", or wipefs " + device + ")");
        }
    }

    /** After the mount at {@code point}: grows an xfs filesystem that {@link #ready} found (not made, not live). */
    void grownMounted(String volume, Device device, Ready ready, Path point) {
        if (!ready.made() && !ready.live() && "xfs".equals(ready.type())) {
            growth.growXfs(volume, device, point);
        }
    }

    private String format(String volume, Device device, FilesystemType type) {
        String formatting = "formatting volume " + volume + " (" + device + ") as " + type;
        long start = System.nanoTime();
        CommandResult result = run(formatting, type.mkfsCommand(device.path()), FORMAT_TIMEOUT);
        if (!result.succeeded()) {
            throw new HostException(formatting + ": " + result.failure());
        }
        long took = Duration.ofNanos(System.nanoTime() - start).toMillis();
        DeviceContents after = probe(volume, device);
        if (after.kind() != DeviceContents.Kind.FILESYSTEM || !after.type().equals(type.toString())) {
            throw new HostException(formatting + ": " + result.commandLine() + " succeeded, but then blkid found "
                    + after.describe() + " on it");
        }
        LOG.infof("formatted volume %s (%s) as %s in %d ms", volume, device, type, took);
        return after.type();
    }

    /**
     * Whether the kernel has this filesystem mounted already, though not at the mount's target (which
     * {@link BlockDeviceHost#mount} handles first): in this mount namespace (the table shows it), or in
     * another one (a container's private copy of the mounts, a plugin instance's that a process keeps
     * alive), which this namespace's table does not show but the filesystem's own sysfs entry does. Then
     * e2fsck must not run (e2fsck(8): on a mounted filesystem "in general it is not safe"; it refuses with
     * exit 8), nothing may be grown offline, and a mount here shares that live filesystem.
     */
    private boolean liveElsewhere(String volume, Device device, String fsType) {
        if (MountTable.read(mountTable).entries().stream().anyMatch(device::isSourceOf)) {
            return true;
        }
        Optional<Path> live = mountedInAnotherNamespace(device, fsType);
        if (live.isPresent() && CHECKED_TYPES.contains(fsType)) {
            LOG.infof("volume %s (%s): not checked with e2fsck, as the kernel has its filesystem mounted already, in "
                    + "another mount namespace (%s); this mount shares that live filesystem", volume, device.path(),
                    live.get());
        }
        return live.isPresent();
    }

    /**
     * Checks the filesystem that was on the device before it is mounted, with {@code e2fsck -p}: "preen",
     * which repairs only what "can be safely fixed without human intervention" and otherwise stops with
     * exit code 4 (e2fsck(8)). Never {@code -y}, which answers yes to every repair. {@code -f} only before
     * a grow: e2fsck -p checks a filesystem fully only when it is not marked clean (a crash, a takeover
     * from a droplet that had it mounted, errors the kernel recorded) or its tune2fs(8) mount count or
     * interval says so, and replays a journal left unreplayed. A clean filesystem takes milliseconds.
     * This is what Kubernetes' mount-utils does ({@code fsck -a}) before mounting an existing ext
     * filesystem. resize2fs(8) refuses to grow an unmounted filesystem that was mounted since its last
     * full check ("Please run 'e2fsck -f' first"), hence {@code forced} when a grow follows.
     *
     * <p>Exit 1 (errors corrected) and 2 (corrected, "system should be rebooted": that concerns a mounted
     * root filesystem, and this one is not mounted) are logged with what e2fsck printed, as the
     * operator must learn that their volume was repaired. Anything with 4 or more is refused.
     *
     * @return true when it was checked; false when e2fsck found the device in use, mounted by the kernel
     *         in a namespace {@link #liveElsewhere} could not see: then it is mounted without a check
     */
    private boolean check(String volume, Device device, String fsType, String doing, boolean forced) {
        String byHand = "; it was not mounted. To check and repair it by hand, on this droplet, with the volume attached "
                + "and nothing else using it, run: e2fsck -f " + links.of(volume)
                + " (it asks before each repair; a snapshot of the volume first keeps a way back), then mount it again";
        List<String> command = forced ? List.of("e2fsck", "-f", "-p", device.path().toString())
                : List.of("e2fsck", "-p", device.path().toString());
        CommandResult result;
        try {
            result = runner.run(command, CHECK_TIMEOUT);
        } catch (HostException e) {
            throw new FilesystemCheckFailedException(doing + ": checking its " + fsType + " filesystem first: "
                    + e.getMessage() + byHand, e);
        }
        int code = result.exitCode();
        if (code == E2FSCK_OPERATIONAL_ERROR && result.output().contains(device.path() + " is in use")) {
            // The kernel has the device open exclusively, as a mounted filesystem does: mounted in another
            // mount namespace of this host (a container, another engine's plugin), which this process's
            // mount table does not show. A second mount shares that live filesystem, as above.
            LOG.infof("volume %s (%s) is in use by a mount elsewhere on this host; mounting it without a check",
                    volume, device);
            return false;
        }
        if (code == 0) {
            LOG.debugf("checked volume %s (%s) before mounting it: %s", volume, device, result.output().strip());
            return true;
        }
        if ((code & ~(E2FSCK_CORRECTED | E2FSCK_CORRECTED_REBOOT)) == 0) {
            LOG.infof("checked volume %s (%s) before mounting it: %s repaired its %s filesystem (exit %d): %s",
                    volume, device, forced ? "e2fsck -f -p" : "e2fsck -p", fsType, code,
                    shortened(result.output()).replace("\n", " | "));
            return true;
        }
        boolean uncorrected = (code & E2FSCK_UNCORRECTED) != 0;
        String said = result.output().isBlank() ? " with no output" : ": " + shortened(result.output());
        throw new FilesystemCheckFailedException(doing + ": "
                + (uncorrected ? "its " + fsType + " filesystem has errors that e2fsck -p cannot fix safely"
                               : "e2fsck -p could not check its " + fsType + " filesystem")
                + " (" + result.commandLine() + " exited " + code + said + ")"
                + (uncorrected ? "; e2fsck -p stopped there and, beyond the repairs that are safe and the mark that errors "
                                 + "remain, left the filesystem untouched" : "")
                + byHand);
    }

    /**
     * The kernel's own entry of a filesystem mounted from this device, {@code /sys/fs/ext4/<name>} (the
     * ext4 driver serves ext2 and ext3 too) or {@code /sys/fs/xfs/<name>}, found by the device's kernel
     * name ({@code /sys/dev/block/<major>:<minor>}), or its path's last part when it has no device number.
     */
    private Optional<Path> mountedInAnotherNamespace(Device device, String fsType) {
        String driver = CHECKED_TYPES.contains(fsType) ? "ext4" : "xfs".equals(fsType) ? "xfs" : null;
        if (driver == null) {
            return Optional.empty();
        }
        String name = device.path().getFileName().toString();
        if (device.number() != null) {
            try {
                name = sysfs.resolve("dev/block").resolve(device.number().toString()).toRealPath().getFileName().toString();
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        Path entry = sysfs.resolve("fs").resolve(driver).resolve(name);
        return Files.isDirectory(entry) ? Optional.of(entry) : Optional.empty();
    }

    /** The first {@link #LOGGED_LINES} lines of {@code output}, and how many more there were. */
    static String shortened(String output) {
        List<String> lines = output.strip().lines().toList();
        if (lines.size() <= LOGGED_LINES) {
            return String.join("\n", lines);
        }
        return String.join("\n", lines.subList(0, LOGGED_LINES)) + "\n[" + (lines.size() - LOGGED_LINES)
                + " more lines]";
    }

    private DeviceContents probe(String volume, Device device) {
        String probing = "probing volume " + volume + "'s device " + device + " for a filesystem";
        try {
            device.checkReadable();
        } catch (IOException e) {
            throw new HostException(probing + ": cannot read it: " + e, e);
        }
        CommandResult result = run(probing, List.of("blkid", "-p", "-o", "export", device.path().toString()), PROBE_TIMEOUT);
        try {
            return DeviceContents.of(result);
        } catch (HostException e) {
            throw new HostException(probing + ": " + e.getMessage(), e);
        }
    }

    private CommandResult run(String doing, List<String> command, Duration timeout) {
        try {
            return runner.run(command, timeout);
        } catch (HostException e) {
            throw new HostException(doing + ": " + e.getMessage(), e);
        }
    }
}
