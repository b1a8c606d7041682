package io.dostorage.host;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Grows a volume's filesystem to its device when the device is larger, as after a resize of the
 * DigitalOcean volume (doctl {@code compute volume-action resize}, or the control panel): DigitalOcean
 * grows the disk, never the filesystem on it (DO's "How to Increase the Size of Volumes" has the user run
 * resize2fs or xfs_growfs), so the plugin does at the next mount.
 *
 * <p>"Larger" is the device's size (sysfs, {@code /sys/dev/block/<major>:<minor>/size}, in 512-byte
 * sectors whatever the device's block size: Documentation/ABI/stable/sysfs-block) against the
 * filesystem's own ({@code dumpe2fs -h}'s block count times block size; {@code xfs_growfs -n}'s data
 * blocks times bsize): the whole data section, not statvfs(3), which leaves out ext4's metadata and
 * would always look smaller. A difference under {@link #MIN_GROWTH} is left: see there.
 *
 * <p>ext4 is grown unmounted ({@code resize2fs <device>}, after {@code e2fsck -f -p}), not online: an
 * online resize needs CAP_SYS_RESOURCE (the kernel's ext4_resize_begin refuses without it; resize2fs then
 * says "Permission denied to resize filesystem", as measured here), which the managed plugin does not have:
 * dockerd gives a plugin Docker's default container capabilities plus config.json's (moby
 * plugin/v2/plugin_linux.go, InitSpec), here CAP_SYS_ADMIN, and the defaults lack CAP_SYS_RESOURCE. xfs
 * grows only mounted (xfs_growfs(8): "The filesystem must be mounted to be
 * grown"), with CAP_SYS_ADMIN: {@code xfs_growfs -d <mount point>}.
 *
 * <p>A grow that fails leaves the volume usable at its old size: the failure is logged at WARN with what
 * the tool said, and the volume is mounted as it was (an ext4 one after one more check, as resize2fs
 * stopped half way may have left it in any state), since its data is intact and only the new space is
 * missing; the next mount tries again. A grow, like a format, is never cut short by the request's deadline.
 */
final class FilesystemGrowth {

    /**
     * DigitalOcean sizes volumes in whole GiB, so a resize adds at least 1 GiB; what a filesystem leaves
     * unused at the end of its device is far less: mke2fs and resize2fs drop a last block group too small
     * for its own metadata (about 1 MiB measured), xfs a last allocation group under 64 blocks. 16 MiB
     * tells the two apart, so a filesystem that fills its device is not resized at every mount.
     */
    static final long MIN_GROWTH = 16L * 1024 * 1024;

    /** resize2fs adds block groups' metadata (bitmaps, inode tables: lazily initialised); generous, as a format. */
    static final Duration GROW_TIMEOUT = Duration.ofMinutes(10);

    /** dumpe2fs -h reads the superblock, xfs_growfs -n asks the kernel: a minute means the device hangs. */
    static final Duration SIZE_TIMEOUT = Duration.ofMinutes(1);

    private static final long SECTOR = 512;
    private static final Pattern EXT_BLOCK_COUNT = Pattern.compile("(?m)^Block count:\\s+(\\d+)\\s*$");
    private static final Pattern EXT_BLOCK_SIZE = Pattern.compile("(?m)^Block size:\\s+(\\d+)\\s*$");
    private static final Pattern XFS_DATA = Pattern.compile("(?m)^data\\s+=\\s*bsize=(\\d+)\\s+blocks=(\\d+)");

    private static final Logger LOG = Logger.getLogger(FilesystemGrowth.class);

    private final CommandRunner runner;
    private final Path sysfs;

    FilesystemGrowth(CommandRunner runner, Path sysfs) {
        this.runner = runner;
        this.sysfs = sysfs;
    }

    /** The sizes of a filesystem and of its device, in bytes. */
    record Sizes(long filesystem, long device) {

        boolean worthGrowing() {
            return device - filesystem >= MIN_GROWTH;
        }
    }

    /** The sizes of the unmounted ext4 filesystem on {@code device} when it is worth growing; empty when not, or when they cannot be told. */
    Optional<Sizes> ext4Wanted(String volume, Device device) {
        OptionalLong filesystem = ext4Size(volume, device);
        OptionalLong disk = deviceSize(volume, device);
        if (filesystem.isEmpty() || disk.isEmpty()) {
            return Optional.empty();
        }
        Sizes sizes = new Sizes(filesystem.getAsLong(), disk.getAsLong());
        return sizes.worthGrowing() ? Optional.of(sizes) : Optional.empty();
    }

    /**
     * Grows the unmounted, freshly checked ext4 filesystem on {@code device} to the device with
     * {@code resize2fs <device>} (no size: "the size of the partition", resize2fs(8)).
     *
     * @return false when resize2fs failed (logged at WARN)
     */
    boolean growExt4(String volume, Device device, Sizes before) {
        OptionalLong took = grow(volume, device, "ext4", before, List.of("resize2fs", device.path().toString()));
        if (took.isEmpty()) {
            return false;
        }
        logGrown(volume, "ext4", before, ext4Size(volume, device), took.getAsLong());
        return true;
    }

    /** Grows the mounted xfs filesystem at {@code point} to its device with {@code xfs_growfs -d}, if it is worth it. */
    void growXfs(String volume, Device device, Path point) {
        OptionalLong filesystem = xfsSize(volume, point);
        OptionalLong disk = deviceSize(volume, device);
        if (filesystem.isEmpty() || disk.isEmpty()) {
            return;
        }
        Sizes before = new Sizes(filesystem.getAsLong(), disk.getAsLong());
        if (!before.worthGrowing()) {
            return;
        }
        OptionalLong took = grow(volume, device, "xfs", before, List.of("xfs_growfs", "-d", point.toString()));
        if (took.isPresent()) {
            logGrown(volume, "xfs", before, xfsSize(volume, point), took.getAsLong());
        }
    }

    /** Runs the grow; how long it took, or empty when it failed, which is logged. */
    private OptionalLong grow(String volume, Device device, String type, Sizes before, List<String> command) {
        String growing = "growing volume " + volume + "'s " + type + " filesystem (" + device + ") from "
                + SizeText.of(before.filesystem()) + " to its device's " + SizeText.of(before.device());
        String kept = type.equals("ext4")
                ? "; it is checked again (e2fsck -p) and mounted at its old size, its data as resize2fs left it; the next "
                  + "mount tries again"
                : "; it stays mounted at its old size, its data as it was; the next mount tries again";
        long start = System.nanoTime();
        try {
            CommandResult result = runner.run(command, GROW_TIMEOUT);
            if (result.succeeded()) {
                return OptionalLong.of(Duration.ofNanos(System.nanoTime() - start).toMillis());
            }
            LOG.warnf("%s: %s exited %d: %s%s", growing, result.commandLine(), result.exitCode(),
                    Filesystems.shortened(result.output()).replace("\n", " | "), kept);
        } catch (HostException e) {
            LOG.warnf("%s: %s%s", growing, e.getMessage(), kept);
        }
        return OptionalLong.empty();
    }

    private static void logGrown(String volume, String type, Sizes before, OptionalLong after, long took) {
        LOG.infof("grew volume %s's %s filesystem from %s to %s in %d ms", volume, type, SizeText.of(before.filesystem()),
                SizeText.of(after.orElse(before.device())), took);
    }

    /** The device's size: sysfs for a block device, the file's size for a file standing in for one (tests). */
    private OptionalLong deviceSize(String volume, Device device) {
        try {
            if (device.number() == null) {
                return OptionalLong.of(Files.size(device.path()));
            }
            Path size = sysfs.resolve("dev/block").resolve(device.number().toString()).resolve("size");
            return OptionalLong.of(Long.parseLong(Files.readString(size).strip()) * SECTOR);
        } catch (IOException | NumberFormatException e) {
            LOG.warnf("volume %s: cannot tell the size of its device %s (%s), so its filesystem is not grown", volume,
                    device, e);
            return OptionalLong.empty();
        }
    }

    private OptionalLong ext4Size(String volume, Device device) {
        return measured(volume, "ext4", List.of("dumpe2fs", "-h", device.path().toString()), output -> {
            Matcher count = EXT_BLOCK_COUNT.matcher(output);
            Matcher size = EXT_BLOCK_SIZE.matcher(output);
            return count.find() && size.find() ? OptionalLong.of(Long.parseLong(count.group(1)) * Long.parseLong(size.group(1)))
                    : OptionalLong.empty();
        });
    }

    private OptionalLong xfsSize(String volume, Path point) {
        return measured(volume, "xfs", List.of("xfs_growfs", "-n", point.toString()), output -> {
            Matcher data = XFS_DATA.matcher(output);
            return data.find() ? OptionalLong.of(Long.parseLong(data.group(1)) * Long.parseLong(data.group(2)))
                    : OptionalLong.empty();
        });
    }

    private OptionalLong measured(String volume, String type, List<String> command,
                                  Function<String, OptionalLong> parse) {
        String doing = "volume " + volume + ": cannot tell the size of its " + type + " filesystem, so it is not grown";
        try {
            CommandResult result = runner.run(command, SIZE_TIMEOUT);
            OptionalLong size = result.succeeded() ? parse.apply(result.output()) : OptionalLong.empty();
            if (size.isEmpty()) {
                LOG.warnf("%s (%s)", doing, result.failure());
            }
            return size;
        } catch (HostException e) {
            LOG.warnf("%s (%s)", doing, e.getMessage());
            return OptionalLong.empty();
        }
    }
}
