package io.dostorage.host;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The device a volume's link leads to.
 *
 * @param path   its real path ({@code /dev/sda}), every link resolved
 * @param number its device number when it is a block device; {@code null} for anything else (tests
 *               stand a plain file in for a device)
 */
record Device(Path path, DeviceNumber number) {

    /** {@code S_IFMT} and {@code S_IFBLK} of inode(7): the file-type bits of {@code st_mode}, and "block device". */
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;

    /** Resolves {@code link} to the device it leads to. */
    static Device of(Path link) throws IOException {
        Path real = link.toRealPath();
        int mode = (Integer) Files.getAttribute(real, "unix:mode");
        DeviceNumber number = (mode & S_IFMT) == S_IFBLK
                ? DeviceNumber.decode((Long) Files.getAttribute(real, "unix:rdev"))
                : null;
        return new Device(real, number);
    }

    /**
     * Whether {@code entry} is a mount of a filesystem on this device: the same device number (for a
     * filesystem on a block device, such as ext4 or xfs, mountinfo's {@code major:minor} is the
     * device's), or a source that resolves to the same path.
     */
    boolean isSourceOf(MountEntry entry) {
        if (number != null && number.isOf(entry)) {
            return true;
        }
        return entry.source().startsWith("/") && path.equals(realPathOf(entry.source()));
    }

    /**
     * Reads the device's first block. It proves that the device can be read, so that when blkid then
     * reports nothing, that means the device is blank and not that blkid could not open it (blkid(8):
     * exit status 2 covers both).
     */
    void checkReadable() throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            channel.read(ByteBuffer.allocate(4096));
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }

    private static Path realPathOf(String source) {
        Path path = Path.of(source);
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return path.normalize();
        }
    }
}
