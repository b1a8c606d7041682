package io.dostorage.host;

import io.dostorage.deadline.Deadline;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The real host: a DigitalOcean volume attached to this droplet, formatted once and mounted with the
 * system's own tools.
 *
 * <p>DigitalOcean's udev rules link each attached volume as {@code <deviceDir>/scsi-0DO_Volume_<name>}
 * (the SCSI serial of the disk is the volume's name). {@link #mount} waits for that link, probes the
 * device with {@code blkid -p}, formats it only when blkid finds no signature at all, checks a filesystem
 * it did not just make (ext2/3/4 with {@code e2fsck -p}), and mounts it.
 * The mount table ({@code /proc/self/mountinfo}) is the only record of what is mounted: this class keeps
 * no state, so it sees mounts made before a restart, or by hand, exactly as the kernel does.
 *
 * <p>No method holds a lock: the caller serialises operations on one volume.
 *
 * <p>Not a CDI bean by itself: {@code Hosts} builds it from the settings when {@code MOUNTER=block}.
 */
public class BlockDeviceHost implements VolumeHost {

    /** The mounts of this process's mount namespace, which are the ones {@code mount} changes. */
    public static final Path DEFAULT_MOUNT_TABLE = Path.of("/proc/self/mountinfo");

    static final Duration DEFAULT_POLL = Duration.ofMillis(100);

    /** blkid reads a few blocks; a minute means the device hangs. */
    static final Duration PROBE_TIMEOUT = Duration.ofMinutes(1);

    /** mkfs without a discard pass writes metadata only (ext4 initialises inode tables lazily); generous for a 16 TiB volume. */
    static final Duration FORMAT_TIMEOUT = Duration.ofMinutes(10);

    /** mount may replay a journal; umount flushes dirty pages. */
    static final Duration MOUNT_TIMEOUT = Duration.ofMinutes(2);

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

    /** How much of e2fsck's output a message keeps: it prints a line per repair, so a big repair prints thousands. */
    private static final int LOGGED_LINES = 20;

    private static final Logger LOG = Logger.getLogger(BlockDeviceHost.class);

    private final DeviceLinks links;
    private final Duration deviceWait;
    private final CommandRunner runner;
    private final Path mountTable;
    private final List<String> mountOptions;
    private final Duration poll;
    private final Path sysfs;

    /**
     * @param deviceDir  the folder where volumes appear as {@code scsi-0DO_Volume_<name>}: setting
     *                   {@code DEVICE_DIR}, {@code /dev/disk/by-id} on a droplet
     * @param deviceWait how long {@link #mount} waits for a volume's link to appear after it was
     *                   attached (DigitalOcean's action is complete before the kernel has the disk)
     * @param runner     runs blkid, mkfs, e2fsck, mount and umount: a {@link ProcessRunner}
     */
    public BlockDeviceHost(Path deviceDir, Duration deviceWait, CommandRunner runner) {
        this(deviceDir, deviceWait, runner, DEFAULT_MOUNT_TABLE, List.of(), DEFAULT_POLL);
    }

    /**
     * @param mountTable   the mountinfo file to read
     * @param mountOptions options for {@code mount -o}, joined with commas; empty for none. The plugin
     *                     passes none (no setting asks for any yet); tests check how they are passed
     * @param poll         how often {@link #mount} looks for the device link
     */
    BlockDeviceHost(Path deviceDir, Duration deviceWait, CommandRunner runner, Path mountTable,
                    List<String> mountOptions, Duration poll) {
        this(deviceDir, deviceWait, runner, mountTable, mountOptions, poll, Path.of("/sys"));
    }

    /** @param sysfs where sysfs is mounted ({@code /sys}): tests give a folder of their own */
    BlockDeviceHost(Path deviceDir, Duration deviceWait, CommandRunner runner, Path mountTable,
                    List<String> mountOptions, Duration poll, Path sysfs) {
        this.sysfs = sysfs;
        this.links = new DeviceLinks(deviceDir);
        this.deviceWait = requirePositive(deviceWait, "device wait");
        this.runner = runner;
        this.mountTable = mountTable;
        this.mountOptions = List.copyOf(mountOptions);
        this.poll = requirePositive(poll, "poll interval");
        for (String option : this.mountOptions) {
            if (option.isBlank() || option.contains(",") || option.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("mount option '" + option + "': give one option per entry, without commas or spaces");
            }
        }
    }

    /**
     * Mounts volume {@code name} at {@code target}, formatting it as {@code fsType} first only if its
     * device holds no signature at all.
     *
     * <ul>
     * <li>A filesystem already on the device is kept and mounted with its own type, even when it is not
     *     {@code fsType}: the data on it wins over the option.</li>
     * <li>An ext2/3/4 filesystem already on the device is checked first with {@code e2fsck -p}, as it may
     *     be dirty: taken over by force from a droplet whose kernel had it mounted, or left by a crash.
     *     Errors e2fsck repairs on its own are logged and the filesystem is mounted; errors it leaves to a
     *     person, or a check that cannot run: {@link FilesystemCheckFailedException}, nothing is mounted.
     *     Not checked: a filesystem just made here, and a device the kernel already has mounted (see
     *     {@link #check}).</li>
     * <li>A partition table or any other signature: {@link DeviceRefusedException}; the device is not
     *     written to and nothing is mounted.</li>
     * <li>Already mounted at {@code target} from this device: nothing to do. Something else mounted at
     *     {@code target}: {@link MountConflictException}.</li>
     * <li>The device does not appear within the device wait: {@link DeviceMissingException}.</li>
     * </ul>
     *
     * @throws HostException when a tool fails; the message names the volume, the device, the command and
     *                       what the command printed
     */
    @Override
    public void mount(String name, String fsType, Path target, Deadline deadline) {
        String volume = checkName(name);
        FilesystemType type = FilesystemType.named(fsType);
        Path point = canonical(target);
        Device device = waitForDevice(volume, deadline);
        String doing = "mounting volume " + volume + " (" + device + ") at " + point;

        Optional<MountEntry> top = table().topAt(point);
        if (top.isPresent()) {
            if (device.isSourceOf(top.get())) {
                return;
            }
            throw new MountConflictException(doing + ": " + describe(top.get()) + " is already mounted there; "
                    + "unmount it first");
        }

        String found = filesystemOn(volume, device, type, doing);
        deadline.check(doing);
        try {
            Files.createDirectories(point);
        } catch (IOException e) {
            throw new HostException(doing + ": creating the folder: " + e, e);
        }
        List<String> command = new ArrayList<>(List.of("mount", "-t", found));
        if (!mountOptions.isEmpty()) {
            command.addAll(List.of("-o", String.join(",", mountOptions)));
        }
        command.addAll(List.of(device.path().toString(), point.toString()));
        CommandResult result = run(doing, command, MOUNT_TIMEOUT);
        if (!result.succeeded()) {
            throw new HostException(doing + ": " + result.failure());
        }
        if (table().topAt(point).filter(device::isSourceOf).isEmpty()) {
            throw new HostException(doing + ": " + result.commandLine() + " succeeded, but " + mountTable
                    + " shows no mount of " + device + " there; is this process in the mount namespace it reads?");
        }
    }

    /**
     * Unmounts {@code target} when something is mounted there (every mount stacked there, top first);
     * nothing to do when nothing is. Never lazy, never forced.
     *
     * @throws MountBusyException when the mount is in use; it stays mounted
     */
    @Override
    public void unmount(Path target) {
        Path point = canonical(target);
        int stacked = table().at(point).size();
        for (int i = 0; i < stacked && table().hasMountAt(point); i++) {
            String doing = "unmounting " + point;
            CommandResult result = run(doing, List.of("umount", point.toString()), MOUNT_TIMEOUT);
            if (result.succeeded()) {
                continue;
            }
            if (!table().hasMountAt(point)) {
                return; // unmounted meanwhile by someone else: what was asked is done
            }
            if (result.output().contains("busy")) {
                throw new MountBusyException(doing + ": " + result.failure() + "; a process still has a file or its "
                        + "working folder there, so it stays mounted and its data is safe");
            }
            throw new HostException(doing + ": " + result.failure());
        }
    }

    @Override
    public boolean isMounted(Path target) {
        return table().hasMountAt(canonical(target));
    }

    /**
     * The folders directly below {@code root} where a DigitalOcean volume's device is mounted: a device
     * that a {@code scsi-0DO_Volume_*} link in the device folder leads to. Another filesystem mounted
     * below {@code root} (a user's tmpfs, a disk of their own) is not listed, so that nothing that acts on
     * this list can unmount it. A volume whose link is gone (detached under its mount) is not listed
     * either: its device can no longer be told apart.
     *
     * @return paths under {@code root} as given (absolute, normalized), sorted
     */
    @Override
    public List<Path> mountsUnder(Path root) {
        Path given = root.toAbsolutePath().normalize();
        Path parent = realIfExists(given);
        List<Device> devices = volumeDevices();
        if (devices.isEmpty()) {
            return List.of();
        }
        return table().entries().stream()
                .filter(e -> parent.equals(e.mountPoint().getParent()))
                .filter(e -> devices.stream().anyMatch(d -> d.isSourceOf(e)))
                .map(e -> given.resolve(e.mountPoint().getFileName().toString()))
                .distinct()
                .sorted()
                .toList();
    }

    /** One {@code stat} of the volume's link: no DigitalOcean call, no command. */
    @Override
    public boolean devicePresent(String name) {
        return links.present(checkName(name));
    }

    @Override
    public String kind() {
        return "block";
    }

    /**
     * Waits until the volume's link leads to something. A link that leads nowhere yet counts as absent:
     * udev may make the link before the device node is ready.
     */
    private Device waitForDevice(String volume, Deadline deadline) {
        Path link = links.of(volume);
        long end = System.nanoTime() + deviceWait.toNanos();
        while (!links.present(volume)) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                throw new DeviceMissingException("waiting for volume " + volume + "'s device: " + link
                        + " did not appear within " + DurationText.of(deviceWait)
                        + "; is the volume attached to this droplet?");
            }
            deadline.sleep(Duration.ofNanos(Math.min(poll.toNanos(), left)), "waiting for volume " + volume + "'s device " + link);
        }
        try {
            return Device.of(link);
        } catch (IOException e) {
            throw new HostException("resolving volume " + volume + "'s device " + link + ": " + e, e);
        }
    }

    /**
     * The type of the filesystem on the device, made first if the device is blank, or checked first if
     * it was there already.
     *
     * @throws DeviceRefusedException when the device holds anything but a filesystem or nothing
     * @throws FilesystemCheckFailedException when the filesystem that was there did not pass its check
     */
    private String filesystemOn(String volume, Device device, FilesystemType type, String doing) {
        DeviceContents contents = probe(volume, device);
        switch (contents.kind()) {
            case FILESYSTEM:
                check(volume, device, contents.type(), doing);
                return contents.type();
            case BLANK:
                break;
            default:
                throw new DeviceRefusedException(doing + ": the device holds " + contents.describe()
                        + "; this plugin formats only a blank device and mounts only a filesystem on the whole "
                        + "device, so it left this one untouched (see what it is with: blkid -p " + device
                        + ", or wipefs " + device + ")");
        }
        String formatting = "formatting volume " + volume + " (" + device + ") as " + type;
        CommandResult result = run(formatting, type.mkfsCommand(device.path()), FORMAT_TIMEOUT);
        if (!result.succeeded()) {
            throw new HostException(formatting + ": " + result.failure());
        }
        DeviceContents after = probe(volume, device);
        if (after.kind() != DeviceContents.Kind.FILESYSTEM || !after.type().equals(type.toString())) {
            throw new HostException(formatting + ": " + result.commandLine() + " succeeded, but then blkid found "
                    + after.describe() + " on it");
        }
        return after.type();
    }

    /**
     * Checks the filesystem that was on the device before it is mounted, with {@code e2fsck -p}: "preen",
     * which repairs only what "can be safely fixed without human intervention" and otherwise stops with
     * exit code 4 (e2fsck(8)). Never {@code -y}, which answers yes to every repair, and never {@code -f}:
     * e2fsck -p checks a filesystem fully only when it is not marked clean (a crash, a takeover from a
     * droplet that had it mounted, errors the kernel recorded) or its tune2fs(8) mount count or interval
     * says so, and replays a journal left unreplayed. A clean filesystem takes milliseconds.
     * This is what Kubernetes' mount-utils does ({@code fsck -a}) before mounting an existing ext
     * filesystem.
     *
     * <p>Not run when the kernel already has this device mounted (elsewhere than at the target, which
     * {@link #mount} handles first): a second mount shares that live filesystem, and e2fsck must not
     * run on a mounted filesystem (e2fsck(8): "in general it is not safe"; it refuses with exit 8).
     *
     * <p>Exit 1 (errors corrected) and 2 (corrected, "system should be rebooted": that concerns a mounted
     * root filesystem, and this one is not mounted) are logged with what e2fsck printed, as the
     * operator must learn that their volume was repaired. Anything with 4 or more is refused.
     */
    private void check(String volume, Device device, String fsType, String doing) {
        if (!CHECKED_TYPES.contains(fsType) || table().entries().stream().anyMatch(device::isSourceOf)) {
            return;
        }
        Optional<Path> live = mountedInAnotherNamespace(device);
        if (live.isPresent()) {
            LOG.infof("volume %s (%s): not checked with e2fsck, as the kernel has its filesystem mounted already, in "
                    + "another mount namespace (%s); this mount shares that live filesystem", volume, device.path(),
                    live.get());
            return;
        }
        String byHand = "; it was not mounted. To check and repair it by hand, on this droplet, with the volume attached "
                + "and nothing else using it, run: e2fsck -f " + links.of(volume)
                + " (it asks before each repair; a snapshot of the volume first keeps a way back), then mount it again";
        CommandResult result;
        try {
            result = runner.run(List.of("e2fsck", "-p", device.path().toString()), CHECK_TIMEOUT);
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
            return;
        }
        if (code == 0) {
            LOG.debugf("checked volume %s (%s) before mounting it: %s", volume, device, result.output().strip());
            return;
        }
        if ((code & ~(E2FSCK_CORRECTED | E2FSCK_CORRECTED_REBOOT)) == 0) {
            LOG.infof("checked volume %s (%s) before mounting it: e2fsck -p repaired its %s filesystem (exit %d): %s",
                    volume, device, fsType, code, shortened(result.output()).replace("\n", " | "));
            return;
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
     * The kernel's own entry of an ext filesystem mounted from this device, {@code /sys/fs/ext4/<name>}
     * (the ext4 driver serves ext2 and ext3 too), when there is one although this mount namespace's
     * table shows no mount of it: another namespace has it mounted (a container's private copy of the
     * mounts, a plugin instance's that a process keeps alive). Then e2fsck must not run (it refuses
     * anyway: "is in use"), and a mount here shares that filesystem. Found by the device's kernel name
     * ({@code /sys/dev/block/<major>:<minor>}), or its path's last part when it has no device number.
     */
    private Optional<Path> mountedInAnotherNamespace(Device device) {
        String name = device.path().getFileName().toString();
        if (device.number() != null) {
            try {
                name = sysfs.resolve("dev/block").resolve(device.number().toString()).toRealPath().getFileName().toString();
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        Path entry = sysfs.resolve("fs/ext4").resolve(name);
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

    private List<Device> volumeDevices() {
        List<Device> devices = new ArrayList<>();
        try (DirectoryStream<Path> found = Files.newDirectoryStream(links.dir(), DeviceLinks.PREFIX + "*")) {
            for (Path link : found) {
                try {
                    devices.add(Device.of(link));
                } catch (IOException e) {
                    // A link that leads nowhere (the device is going away): no device of it to match.
                }
            }
        } catch (NoSuchFileException e) {
            return List.of(); // no folder: no disk attached at all
        } catch (IOException e) {
            throw new HostException("listing volume devices in " + links.dir() + ": " + e, e);
        }
        return devices;
    }

    private MountTable table() {
        return MountTable.read(mountTable);
    }

    private static String describe(MountEntry entry) {
        return entry.fsType() + " from " + entry.source() + " (device " + entry.device()
                + (entry.root().equals("/") ? "" : ", folder " + entry.root()) + ")";
    }

    /**
     * {@code target} as the mount table writes it: absolute, normalized, and with its parent's links
     * resolved. Only the parent is resolved, never {@code target} itself: it may be the mount of a
     * device that has gone, which a lookup could wait on; its parent is the plugin's own folder.
     */
    static Path canonical(Path target) {
        Path absolute = target.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        if (parent == null) {
            return absolute;
        }
        return realIfExists(parent).resolve(absolute.getFileName().toString());
    }

    private static Path realIfExists(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return path;
        }
    }

    private static String checkName(String name) {
        if (name == null || name.isEmpty() || name.equals(".") || name.equals("..")
                || name.chars().anyMatch(c -> c == '/' || c == 0 || Character.isWhitespace(c))) {
            throw new HostException("volume name " + (name == null ? "(none)" : "'" + name + "'")
                    + " cannot name a device link");
        }
        return name;
    }

    private static Duration requirePositive(Duration duration, String what) {
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, not " + duration);
        }
        return duration;
    }
}
