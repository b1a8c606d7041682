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
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StateDatabaseTest {

    @TempDir
    Path dir;

    @Test
    void theNamedMigrationsAreExactlyTheFilesOfTheMigrationFolder() throws IOException {
        List<String> files;
        try (Stream<Path> listing = Files.list(Path.of("src/main/resources", StateDatabase.LOCATION))) {
            files = listing.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(files, StateDatabase.MIGRATIONS,
                "a migration added to src/main/resources/db/migration must be named in StateDatabase.MIGRATIONS");
    }

    /**
     * The script names and checksums are those that Quarkus' Flyway extension recorded in state files
     * written before (read from one such file): Flyway refuses to start on a file whose history
     * differs from the migrations it is given.
     */
    @Test
    void aNewStateFileRecordsTheMigrationsAsTheEarlierReleasesDid() throws Exception {
        StateDatabase.ReusedConnections db = open();
        StateDatabase.migrate(db, dir);
        List<String> history = new ArrayList<>();
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet row = s.executeQuery("SELECT version, script, checksum, success FROM flyway_schema_history ORDER BY installed_rank")) {
            while (row.next()) {
                history.add(row.getString(1) + " " + row.getString(2) + " " + row.getInt(3) + " " + row.getBoolean(4));
            }
        }
        assertEquals(List.of(
                "1 db/migration/V1__volumes_and_references.sql -1974965710 true",
                "2 db/migration/V2__digitalocean_and_journal.sql 1768560719 true",
                "3 db/migration/V3__counted_references_and_kept_answers.sql 2128402066 true"), history);
        StateDatabase.migrate(db, dir); // a restart: up to date, nothing applied
        assertEquals(3, count(db, "SELECT count(*) FROM flyway_schema_history"));
        db.close();
    }

    /**
     * What a restart finds: the file Flyway migrated is recognised as up to date without Flyway (the
     * checksums computed here are those Flyway recorded), and opening it again applies nothing.
     */
    @Test
    void aFileFlywayMigratedIsFoundUpToDateWithoutFlyway() throws Exception {
        StateDatabase.ReusedConnections db = open();
        assertFalse(StateDatabase.upToDate(db), "a new file");
        StateDatabase.migrate(db, dir);
        assertTrue(StateDatabase.upToDate(db), "the file Flyway has just migrated");
        StateDatabase.migrate(db, dir);
        assertEquals(3, count(db, "SELECT count(*) FROM flyway_schema_history"));
        db.close();
    }

    /** An upgrade: a file written by a release that had fewer migrations gets the rest from Flyway. */
    @Test
    void aFileWithMigrationsStillToApplyIsMigratedByFlyway() throws Exception {
        // The file as a release before V3 left it: V3's changes and its history row undone.
        StateDatabase.ReusedConnections db = migratedThen("DROP TABLE kept_answer",
                "ALTER TABLE mount_reference DROP COLUMN mounts", "ALTER TABLE mount_reference DROP COLUMN boot_id",
                "DELETE FROM flyway_schema_history WHERE version = '3'");
        assertFalse(StateDatabase.upToDate(db), "V3 is not in the history");
        StateDatabase.migrate(db, dir);
        assertTrue(StateDatabase.upToDate(db), "V3 applied");
        assertEquals(0, count(db, "SELECT count(*) FROM kept_answer"));
        db.close();
    }

    /** A newer release's file (a migration this one does not know) is not taken as up to date. */
    @Test
    void aFileWithAMigrationThisReleaseDoesNotKnowIsLeftToFlyway() throws Exception {
        StateDatabase.ReusedConnections db = migratedThen("INSERT INTO flyway_schema_history (installed_rank, version, "
                + "description, type, script, checksum, installed_by, installed_on, execution_time, success) SELECT 4, '4', "
                + "'later', 'SQL', 'db/migration/V4__later.sql', 7, installed_by, installed_on, 0, 1 FROM flyway_schema_history "
                + "WHERE version = '3'");
        assertFalse(StateDatabase.upToDate(db));
        StateDatabase.migrate(db, dir); // Flyway, as before this check: a future migration is ignored
        assertEquals(4, count(db, "SELECT count(*) FROM flyway_schema_history"));
        db.close();
    }

    @Test
    void aStateFileWhoseMigrationWasEditedIsRefusedNamingTheFile() throws Exception {
        StateDatabase.ReusedConnections db = migratedThen("UPDATE flyway_schema_history SET checksum = 1 WHERE version = '2'");
        StateException refused = assertThrows(StateException.class, () -> StateDatabase.migrate(db, dir));
        assertTrue(refused.getMessage().startsWith("migrating the state file " + dir.resolve("state.db") + ": "),
                refused.getMessage());
        assertTrue(refused.getMessage().contains("checksum"), refused.getMessage());
        db.close();
    }

    @Test
    void aConnectionGivenBackIsReusedWithItsUnfinishedTransactionRolledBack() throws Exception {
        StateDatabase.ReusedConnections db = open();
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("CREATE TEMP TABLE mine (x INTEGER)"); // a temporary table lives in its connection only
            s.executeUpdate("CREATE TABLE t (x INTEGER)");
            c.setAutoCommit(false);
            s.executeUpdate("INSERT INTO t VALUES (1)");
        } // closed without commit
        try (Connection c = db.getConnection()) {
            assertTrue(c.getAutoCommit(), "auto-commit restored");
            assertEquals(0, count(c, "SELECT count(*) FROM mine"), "the same connection (its temporary table)");
            assertEquals(0, count(c, "SELECT count(*) FROM t"), "the unfinished insert rolled back");
        }
        db.close();
    }

    @Test
    void twoConnectionsAtOnceAreTwoAndBothAreKept() throws Exception {
        StateDatabase.ReusedConnections db = open();
        Connection first = db.getConnection();
        Connection second = db.getConnection();
        try (Statement s = first.createStatement()) {
            s.executeUpdate("CREATE TEMP TABLE mine (x INTEGER)");
        }
        try (Statement s = second.createStatement()) {
            assertThrows(SQLException.class, () -> s.executeQuery("SELECT count(*) FROM mine"), "not the first's connection");
        }
        second.close();
        first.close();
        // Both idle now, the last given back first: the first's connection (its temporary table) is taken.
        try (Connection c = db.getConnection()) {
            assertEquals(0, count(c, "SELECT count(*) FROM mine"));
        }
        db.close();
    }

    @Test
    void afterCloseNoConnectionIsHandedOut() throws Exception {
        StateDatabase.ReusedConnections db = open();
        db.getConnection().close();
        db.close();
        SQLException refused = assertThrows(SQLException.class, db::getConnection);
        assertEquals("the state file is closed (the plugin is stopping)", refused.getMessage());
    }

    /** The folder's file, migrated, then changed by {@code statements}: a file as another release or a person left it. */
    private StateDatabase.ReusedConnections migratedThen(String... statements) throws SQLException {
        StateDatabase.ReusedConnections db = open();
        StateDatabase.migrate(db, dir);
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.executeUpdate(statement);
            }
        }
        return db;
    }

    private StateDatabase.ReusedConnections open() {
        return StateDatabase.connections(dir);
    }

    private static int count(StateDatabase.ReusedConnections db, String sql) throws SQLException {
        try (Connection c = db.getConnection()) {
            return count(c, sql);
        }
    }

    private static int count(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet row = s.executeQuery(sql)) {
            row.next();
            return row.getInt(1);
        }
    }
}
