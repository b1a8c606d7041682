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

/**
 * The real host: a DigitalOcean volume attached to this droplet, formatted once and mounted with the
 * system's own tools.
 *
 * <p>DigitalOcean's udev rules link each attached volume as {@code <deviceDir>/scsi-0DO_Volume_<name>}
 * (the SCSI serial of the disk is the volume's name). {@link #mount} waits for that link, makes the
 * filesystem on the device ready ({@link Filesystems}: probed with {@code blkid -p}, formatted only when
 * blkid finds no signature at all, a filesystem it did not just make checked and grown to its device),
 * and mounts it.
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

    private static final Logger LOG = Logger.getLogger(BlockDeviceHost.class);

    static final Duration DEFAULT_POLL = Duration.ofMillis(100);

    /** mount may replay a journal; umount flushes dirty pages. */
    static final Duration MOUNT_TIMEOUT = Duration.ofMinutes(2);

    private final DeviceLinks links;
    private final Duration deviceWait;
    private final CommandRunner runner;
    private final Path mountTable;
    private final Duration poll;
    private final Filesystems filesystems;

    /**
     * @param deviceDir  the folder where volumes appear as {@code scsi-0DO_Volume_<name>}: setting
     *                   {@code DEVICE_DIR}, {@code /dev/disk/by-id} on a droplet
     * @param deviceWait how long {@link #mount} waits for a volume's link to appear after it was
     *                   attached (DigitalOcean's action is complete before the kernel has the disk)
     * @param runner     runs blkid, mkfs, e2fsck, resize2fs, xfs_growfs, mount and umount: a {@link ProcessRunner}
     */
    public BlockDeviceHost(Path deviceDir, Duration deviceWait, CommandRunner runner) {
        this(deviceDir, deviceWait, runner, DEFAULT_MOUNT_TABLE, DEFAULT_POLL);
    }

    /**
     * @param mountTable the mountinfo file to read
     * @param poll       how often {@link #mount} looks for the device link
     */
    BlockDeviceHost(Path deviceDir, Duration deviceWait, CommandRunner runner, Path mountTable, Duration poll) {
        this(deviceDir, deviceWait, runner, mountTable, poll, Path.of("/sys"));
    }

    /** @param sysfs where sysfs is mounted ({@code /sys}): tests give a folder of their own */
    BlockDeviceHost(Path deviceDir, Duration deviceWait, CommandRunner runner, Path mountTable, Duration poll,
                    Path sysfs) {
        this.links = new DeviceLinks(deviceDir);
        this.deviceWait = requirePositive(deviceWait, "device wait");
        this.runner = runner;
        this.mountTable = mountTable;
        this.poll = requirePositive(poll, "poll interval");
        this.filesystems = new Filesystems(runner, links, mountTable, sysfs);
    }

    /**
     * Mounts volume {@code name} at {@code target} with {@code spec}'s mount options, formatting it as
     * {@code spec}'s type first only if its device holds no signature at all.
     *
     * <ul>
     * <li>A filesystem already on the device is kept and mounted with its own type, even when it is not
     *     the spec's: the data on it wins over the option.</li>
     * <li>An ext2/3/4 filesystem already on the device is checked first with {@code e2fsck -p}, as it may
     *     be dirty: taken over by force from a droplet whose kernel had it mounted, or left by a crash.
     *     Errors e2fsck repairs on its own are logged and the filesystem is mounted; errors it leaves to a
     *     person, or a check that cannot run: {@link FilesystemCheckFailedException}, nothing is mounted.
     *     Not checked: a filesystem just made here, and one the kernel already has mounted elsewhere.</li>
     * <li>An ext4 or xfs filesystem already on the device that is smaller than its device (the volume
     *     was resized) is grown to the device, ext4 before the mount, xfs right after it
     *     ({@link FilesystemGrowth}); a grow that fails is logged and the volume mounted as it was.</li>
     * <li>A filesystem made now gets the spec's owner, group and mode on its root, once mounted; so does
     *     one whose root is still as mkfs made it ({@link Ownership#asMade}: an earlier Mount stopped
     *     between its mkfs and its mount). One that was there otherwise is never changed.</li>
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
    public void mount(String name, MountSpec spec, Path target, Deadline deadline) {
        String volume = checkName(name);
        FilesystemType type = FilesystemType.named(spec.fsType());
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

        Filesystems.Ready ready = filesystems.ready(volume, device, type, doing);
        deadline.check(doing);
        try {
            Files.createDirectories(point);
        } catch (IOException e) {
            throw new HostException(doing + ": creating the folder: " + e, e);
        }
        List<String> command = new ArrayList<>(List.of("mount", "-t", ready.type()));
        if (!spec.options().isEmpty()) {
            command.addAll(List.of("-o", String.join(",", spec.options())));
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
        if (!spec.owner().isNone()) {
            try {
                boolean unfinished = !ready.made() && Ownership.asMade(point);
                if (unfinished) {
                    LOG.infof("volume %s: its filesystem's root is still as mkfs made it (empty, root's, 0755): an earlier "
                            + "Mount stopped before giving it %s; giving it now", volume, spec.owner());
                }
                if (ready.made() || unfinished) {
                    spec.owner().applyTo(point, true);
                }
            } catch (IOException e) {
                throw new HostException(doing + ": giving the new filesystem's root " + spec.owner() + ": " + e, e);
            }
        }
        filesystems.grownMounted(volume, device, ready, point);
    }

    /**
     * Makes the missing folders of {@code subpath} below the volume mounted at {@code target}, as root,
     * each with {@code owner} (see {@link Ownership#makeFolders}).
     */
    @Override
    public Path folder(String name, Path target, String subpath, Ownership owner) {
        try {
            return owner.makeFolders(target, subpath, true);
        } catch (IOException e) {
            throw new HostException("creating sub-folder " + subpath + " on volume " + name + ": " + e.getMessage(), e);
        }
    }

    /** statvfs(3) of what is mounted at {@code target}; empty when nothing is, or it cannot be read. */
    @Override
    public Optional<FilesystemSpace> space(Path target) {
        Path point = canonical(target);
        if (!table().hasMountAt(point)) {
            return Optional.empty();
        }
        return FilesystemSpace.of(point);
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
