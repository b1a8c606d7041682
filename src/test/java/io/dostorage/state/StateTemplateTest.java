package io.dostorage.state;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The image's template of a state file: made by Flyway once, copied only where there is no state file. */
class StateTemplateTest {

    @TempDir
    Path dir;

    @Test
    void theTemplateIsOneClosedFileThatANewNodeUsesWithoutFlyway() throws Exception {
        Path template = dir.resolve("state-template.db");
        StateTemplate.make(template);
        assertEquals(List.of("state-template.db"), names(dir), "one file, no WAL, no folder left behind");

        Path node = Files.createDirectories(dir.resolve("node"));
        StateTemplate.copyIfNone(template, node);

        StateDatabase.ReusedConnections db = StateDatabase.connections(node);
        assertTrue(StateDatabase.upToDate(db), "the copy records every migration: no Flyway at this start");
        assertEquals(0, count(db, "SELECT count(*) FROM volume"));
        db.close();
        assertThrows(IOException.class, () -> StateTemplate.make(template), "made once, from nothing");
    }

    /** The node's own file holds its volumes and references: a template never replaces it. */
    @Test
    void aStateFileOrItsWalIsNeverReplaced() throws Exception {
        Path template = dir.resolve("state-template.db");
        StateTemplate.make(template);
        Path node = Files.createDirectories(dir.resolve("node"));
        StateDatabase.ReusedConnections db = StateDatabase.connections(node);
        StateDatabase.migrate(db, node);
        execute(db, "INSERT INTO volume (name, options, created_at) VALUES ('pgdata', '{}', '2026-12-01T00:00:00Z')");
        db.close();
        byte[] before = Files.readAllBytes(node.resolve("state.db"));

        StateTemplate.copyIfNone(template, node);
        assertArrayEquals(before, Files.readAllBytes(node.resolve("state.db")));

        Path crashed = Files.createDirectories(dir.resolve("crashed"));
        Files.writeString(crashed.resolve("state.db-wal"), "commits not yet in the file");
        StateTemplate.copyIfNone(template, crashed);
        assertFalse(Files.exists(crashed.resolve("state.db")), "not beside a WAL");
    }

    @Test
    void withoutAReadableTemplateFlywayMakesTheFile() throws Exception {
        Path node = Files.createDirectories(dir.resolve("node"));
        StateTemplate.copyIfNone(dir.resolve("absent.db"), node);
        assertEquals(List.of(), names(node), "nothing copied, nothing half-written");

        StateDatabase.ReusedConnections db = (StateDatabase.ReusedConnections) StateDatabase.migrated(node);
        assertTrue(StateDatabase.upToDate(db));
        db.close();
    }

    /** The template of an earlier image (a migration less) is brought up to date by Flyway. */
    @Test
    void aTemplateThatLacksAMigrationIsMigratedByFlyway() throws Exception {
        Path template = dir.resolve("state-template.db");
        StateTemplate.make(template);
        Path older = Files.createDirectories(dir.resolve("older"));
        Files.copy(template, older.resolve("state.db"));
        StateDatabase.ReusedConnections old = StateDatabase.connections(older);
        execute(old, "DROP TABLE kept_answer", "ALTER TABLE mount_reference DROP COLUMN mounts",
                "ALTER TABLE mount_reference DROP COLUMN boot_id", "DELETE FROM flyway_schema_history WHERE version = '3'");
        old.close();

        Path node = Files.createDirectories(dir.resolve("node"));
        StateTemplate.copyIfNone(older.resolve("state.db"), node);
        StateDatabase.ReusedConnections db = StateDatabase.connections(node);
        assertFalse(StateDatabase.upToDate(db));
        StateDatabase.migrate(db, node);
        assertTrue(StateDatabase.upToDate(db), "V3 applied by Flyway");
        assertEquals(0, count(db, "SELECT count(*) FROM kept_answer"));
        db.close();
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void execute(StateDatabase.ReusedConnections db, String... statements) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.executeUpdate(statement);
            }
        }
    }

    private static int count(StateDatabase.ReusedConnections db, String sql) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement(); ResultSet row = s.executeQuery(sql)) {
            row.next();
            return row.getInt(1);
        }
    }
}
