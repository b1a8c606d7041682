package io.dostorage.support;

import io.dostorage.state.Boot;
import io.dostorage.state.StateDatabase;
import io.dostorage.state.VolumeStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/** A real SQLite state file in a folder, opened and migrated as the plugin does it (without the folder lock). */
public final class TestState {

    public static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");

    private TestState() {
    }

    /** The state of a plugin in this machine's running boot. */
    public static VolumeStore open(Path stateDir) {
        return open(stateDir, new Boot(Path.of("/proc/sys/kernel/random/boot_id")));
    }

    /** The state of a plugin in {@code boot}: a test that plays a reboot opens the same folder with another. */
    public static VolumeStore open(Path stateDir, Boot boot) {
        try {
            Files.createDirectories(stateDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new VolumeStore(StateDatabase.migrated(stateDir), Clock.fixed(NOW, ZoneOffset.UTC), boot);
    }
}
