package io.dostorage.host;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
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
     * The filesystem at {@code folder}, by statvfs(3) (the JDK's {@link FileStore} on Linux); empty when
     * it cannot be read. Local only: no device I/O, the kernel answers from the filesystem's counters.
     */
    static Optional<FilesystemSpace> of(Path folder) {
        try {
            FileStore store = Files.getFileStore(folder);
            return Optional.of(new FilesystemSpace(store.getTotalSpace(), store.getUsableSpace()));
        } catch (IOException | SecurityException e) {
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
