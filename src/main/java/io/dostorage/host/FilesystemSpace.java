package io.dostorage.host;

import java.io.File;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The size of a mounted filesystem and its free space, as statvfs(3) tells them ({@code df}'s
 * "Size" and "Avail").
 *
 * @param sizeBytes {@code f_blocks * f_frsize}: the filesystem's size, without what it keeps for its
 *                  own metadata (so a little less than its device)
 * @param freeBytes {@code f_bavail * f_frsize}: what a process other than root can still write (ext4
 *                  keeps 5% for root by default, mke2fs(8) {@code -m})
 */
public record FilesystemSpace(long sizeBytes, long freeBytes) {

    /**
     * The filesystem at {@code folder}, by statvfs(3); empty when it cannot be read. Local only: no
     * device I/O, the kernel answers from the filesystem's counters. {@link File#getTotalSpace()} and
     * {@link File#getUsableSpace()} are statvfs(3) and nothing else; {@code Files.getFileStore} would
     * first find the folder's entry in the mount table (reading {@code /proc/mounts} and stat(2)-ing
     * mount points), which on a host of many containers costs far more than the Get it answers.
     */
    static Optional<FilesystemSpace> of(Path folder) {
        try {
            File file = folder.toFile();
            long size = file.getTotalSpace(); // 0 when statvfs fails (no such folder, no permission)
            if (size == 0) {
                return Optional.empty();
            }
            return Optional.of(new FilesystemSpace(size, file.getUsableSpace()));
        } catch (SecurityException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    /** The size in words: {@code 9.8 GiB}. */
    public String sizeText() {
        return SizeText.of(sizeBytes);
    }

    /** The free space in words: {@code 9.2 GiB}. */
    public String freeText() {
        return SizeText.of(freeBytes);
    }
}
