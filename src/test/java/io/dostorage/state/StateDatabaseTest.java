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

    @Test
    void aStateFileWhoseMigrationWasEditedIsRefusedNamingTheFile() throws Exception {
        StateDatabase.ReusedConnections db = open();
        StateDatabase.migrate(db, dir);
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE flyway_schema_history SET checksum = 1 WHERE version = '2'");
        }
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
