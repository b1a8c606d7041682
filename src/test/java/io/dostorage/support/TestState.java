package io.dostorage.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dostorage.state.Boot;
import io.dostorage.state.VolumeStore;
import org.flywaydb.core.Flyway;
import org.sqlite.SQLiteDataSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/** A real SQLite state file in a folder, migrated by the production migrations. */
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
        SQLiteDataSource dataSource = new SQLiteDataSource();
        dataSource.setUrl("jdbc:sqlite:" + stateDir.resolve("state.db") + "?journal_mode=WAL&busy_timeout=5000&foreign_keys=true");
        dataSource.setEnforceForeignKeys(true);
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        return new VolumeStore(dataSource, new ObjectMapper(), Clock.fixed(NOW, ZoneOffset.UTC), boot);
    }
}
