package io.dostorage.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * A node's own stand-in for {@code /proc/sys/kernel/random/boot_id} (setting {@code BOOT_ID_FILE}):
 * a test plays a reboot by giving the node a new boot id.
 */
public final class BootIdFile {

    private BootIdFile() {
    }

    /** {@code <folder>/boot_id}, made with a random id the first time. */
    public static Path in(Path folder) {
        Path file = folder.resolve("boot_id");
        return Files.exists(file) ? file : reboot(folder);
    }

    /** Writes a new random id to {@code <folder>/boot_id}, as the kernel does at every boot. */
    public static Path reboot(Path folder) {
        Path file = folder.resolve("boot_id");
        try {
            Files.createDirectories(folder);
            Files.writeString(file, UUID.randomUUID() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
