package io.dostorage.emulator;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * What a droplet sees of its volumes. Each volume is backed by a sparse file
 * {@code <backingDir>/<volume id>.img} of its full size (made with {@link RandomAccessFile#setLength},
 * so no GiBs are written). While it is attached, the link {@code <deviceDir>/scsi-0DO_Volume_<name>}
 * (the name DO's udev rules give the disk under {@code /dev/disk/by-id}) points at the backing file,
 * or, with loop devices, at the loop device ({@code /dev/loopN}) over it, or, with device-mapper as
 * well, at a device-mapper device over that loop device ({@code /dev/mapper/dostorage-emu-<droplet>-<id>},
 * see {@link DeviceMapper}), which a detach switches to the error target before the link goes, so a
 * user on the old droplet gets I/O errors as on DigitalOcean. Snapshots are sparse copies under
 * {@code <backingDir>/snapshots/}.
 */
final class Devices {

    static final String LINK_PREFIX = "scsi-0DO_Volume_";
    private static final long GIB = 1024L * 1024 * 1024;
    private static final int CHUNK = 1024 * 1024;

    private final Path backingDir;
    private final LoopDevices loops;
    private final DeviceMapper mapper;

    /**
     * @param loops  null when volumes are not put on loop devices
     * @param mapper null when attachments are not put on device-mapper devices; needs {@code loops}
     */
    Devices(Path backingDir, LoopDevices loops, DeviceMapper mapper) {
        if (mapper != null && loops == null) {
            throw new IllegalArgumentException("device-mapper devices are made over loop devices: loop devices needed");
        }
        this.backingDir = backingDir.toAbsolutePath();
        this.loops = loops;
        this.mapper = mapper;
    }

    /** What the device of an attached volume is: {@code device-mapper}, {@code loop} or {@code file}. */
    String mode() {
        return mapper != null ? "device-mapper" : loops != null ? "loop" : "file";
    }

    Path backing(String volumeId) {
        return backingDir.resolve(volumeId + ".img");
    }

    Path snapshotImage(String snapshotId) {
        return backingDir.resolve("snapshots").resolve(snapshotId + ".img");
    }

    static Path link(Path deviceDir, String volumeName) {
        return deviceDir.resolve(LINK_PREFIX + volumeName);
    }

    /** Makes the sparse backing file of a new volume, with the data of {@code snapshotId} when not null. */
    void create(String volumeId, int sizeGigabytes, String snapshotId) {
        Path file = backing(volumeId);
        try {
            Files.createDirectories(backingDir);
            if (snapshotId != null) {
                copySparse(snapshotImage(snapshotId), file);
            }
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(sizeGigabytes * GIB);
            }
        } catch (IOException e) {
            throw new DeviceException("creating backing file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Grows the backing file (a resize only grows, as on DO) and tells its loop device. */
    void resize(String volumeId, int sizeGigabytes) {
        Path file = backing(volumeId);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(sizeGigabytes * GIB);
        } catch (IOException e) {
            throw new DeviceException("resizing backing file " + file + ": " + e.getMessage(), e);
        }
        if (loops != null) {
            loops.refresh(file);
        }
        if (mapper != null) {
            for (String loop : loops.find(file)) {
                mapper.resize(volumeId, loop, sizeGigabytes * GIB);
            }
        }
    }

    /** Removes the backing file of a deleted volume (releasing any loop device left on it). */
    void delete(String volumeId) {
        Path file = backing(volumeId);
        if (loops != null && Files.exists(file)) {
            loops.release(file);
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new DeviceException("deleting backing file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes the device of an attached volume appear in the droplet's device folder; idempotent, so
     * it also restores links after a restart.
     */
    void attach(String volumeId, String volumeName, long dropletId, Path deviceDir) {
        Path file = backing(volumeId);
        if (!Files.exists(file)) {
            throw new DeviceException("backing file " + file + " of volume " + volumeName + " is missing");
        }
        Path target = loops == null ? file : Path.of(loops.attach(file));
        if (mapper != null) {
            try {
                target = mapper.attach(DeviceMapper.name(dropletId, volumeId), target.toString(), Files.size(file));
            } catch (IOException e) {
                throw new DeviceException("reading the size of " + file + ": " + e.getMessage(), e);
            }
        }
        Path link = link(deviceDir, volumeName);
        try {
            Files.createDirectories(deviceDir);
            if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(target)) {
                return;
            }
            Path temp = deviceDir.resolve("." + link.getFileName() + ".new");
            Files.deleteIfExists(temp);
            Files.createSymbolicLink(temp, target);
            Files.move(temp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new DeviceException("linking " + link + " -> " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes the device of a detached volume disappear and releases its loop device. With
     * device-mapper, the droplet's device fails every I/O from before the link goes: a user that
     * still holds it (a mounted filesystem) gets errors, as on DigitalOcean, and no longer writes to
     * the backing file that the next droplet gets.
     */
    void detach(String volumeId, String volumeName, long dropletId, Path deviceDir) {
        if (mapper != null) {
            mapper.cutOff(DeviceMapper.name(dropletId, volumeId));
        }
        Path link = link(deviceDir, volumeName);
        try {
            if (Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(link);
            }
        } catch (IOException e) {
            throw new DeviceException("removing " + link + ": " + e.getMessage(), e);
        }
        Path file = backing(volumeId);
        if (loops != null && Files.exists(file)) {
            loops.release(file);
        }
    }

    /** Copies the volume's data to a new snapshot image; answers the bytes of data (not holes) copied. */
    long snapshot(String volumeId, String snapshotId) {
        Path image = snapshotImage(snapshotId);
        try {
            Files.createDirectories(image.getParent());
            return copySparse(backing(volumeId), image);
        } catch (IOException e) {
            throw new DeviceException("copying volume " + volumeId + " to snapshot " + image + ": " + e.getMessage(), e);
        }
    }

    /**
     * Copies {@code from} to {@code to} keeping holes, so a 1 GiB volume with a few KiB of data stays
     * a few KiB on disk; answers the bytes the copy takes on disk. GNU {@code cp --sparse=always}
     * skips holes without reading them (reading a GiB of holes takes seconds); without it, chunks
     * of zeros are skipped after reading them.
     */
    private static long copySparse(Path from, Path to) throws IOException {
        try {
            run("cp", "--sparse=always", from.toString(), to.toString());
            String[] blocks = run("stat", "-c", "%b %B", to.toString()).trim().split(" ");
            return Long.parseLong(blocks[0]) * Long.parseLong(blocks[1]);
        } catch (IOException | RuntimeException e) {
            return copySparseByReading(from, to);
        }
    }

    private static String run(String... command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (process.waitFor() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + output.trim());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", command) + " interrupted", e);
        }
        return output;
    }

    private static long copySparseByReading(Path from, Path to) throws IOException {
        byte[] zeros = new byte[CHUNK];
        long data = 0;
        try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
            long position = 0;
            long size = in.size();
            out.truncate(0);
            while (position < size) {
                buffer.clear();
                int read = in.read(buffer, position);
                if (read <= 0) {
                    break;
                }
                if (Arrays.mismatch(buffer.array(), 0, read, zeros, 0, read) >= 0) {
                    buffer.flip();
                    long at = position;
                    while (buffer.hasRemaining()) {
                        at += out.write(buffer, at);
                    }
                    data += read;
                }
                position += read;
            }
        }
        try (RandomAccessFile raf = new RandomAccessFile(to.toFile(), "rw")) {
            raf.setLength(Files.size(from));
        }
        return data;
    }
}
