package io.dostorage.state;

import io.dostorage.config.PluginConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The boot this process runs in: the kernel's boot id ({@code /proc/sys/kernel/random/boot_id}, a
 * random UUID the kernel makes at every boot; setting {@code BOOT_ID_FILE} points elsewhere for
 * tests). A mount reference belongs to the boot it was made in: no container survives a reboot.
 * The id is read once: it cannot change while the process runs.
 */
@Singleton
public class Boot {

    private final String id;

    @Inject
    Boot(PluginConfig config) {
        this(config.bootIdFile());
    }

    public Boot(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
            if (text.isEmpty()) {
                throw new StateException("reading this boot's id from " + file + ": the file is empty");
            }
            this.id = text;
        } catch (IOException e) {
            throw new StateException("reading this boot's id from " + file + " (setting BOOT_ID_FILE): " + e, e);
        }
    }

    public String id() {
        return id;
    }
}
