package io.dostorage.state;

import io.dostorage.config.PluginConfig;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.ResourceProvider;
import org.flywaydb.core.api.resource.LoadableResource;
import org.jboss.logging.Logger;
import org.sqlite.javax.SQLiteConnectionPoolDataSource;

import javax.sql.ConnectionEvent;
import javax.sql.ConnectionEventListener;
import javax.sql.DataSource;
import javax.sql.PooledConnection;
import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;

/**
 * The state file, {@code <STATE_DIR>/state.db}: the folder locked against other processes first
 * ({@link StateDirectoryLock}), then the file migrated by Flyway, then handed to {@link VolumeStore}
 * as a {@link DataSource} that reuses a few connections.
 *
 * <p>Why not Quarkus' datasource (Agroal) and its Flyway extension: they bring a JTA transaction
 * manager (Narayana) that nothing here uses, and with them some 380 classes that the JVM loads at
 * every start (with an AOT cache, JEP 483, it loads every class of the cache) and time of every start
 * (docs/benchmark.md measures both). SQLite needs no pool to speak of: one process, one file.
 *
 * <p>The migrations are named here rather than found by scanning the class path, which works in
 * neither of the plugin's layouts alike (a folder of a jar behind Quarkus' class loader in the
 * fast-jar); a test keeps this list equal to {@code src/main/resources/db/migration}. Flyway records
 * each as {@code db/migration/<file>}, as the Quarkus extension did, so state files written before
 * validate unchanged.
 */
@Singleton
public class StateDatabase {

    private static final Logger LOG = Logger.getLogger(StateDatabase.class);

    static final String LOCATION = "db/migration";
    /** The files of {@link #LOCATION}, in order; Flyway reads their versions from their names. */
    static final List<String> MIGRATIONS = List.of(
            "V1__volumes_and_references.sql",
            "V2__digitalocean_and_journal.sql",
            "V3__counted_references_and_kept_answers.sql");

    /**
     * busy_timeout: a writer waits up to 5 s for another connection's write instead of failing;
     * WAL: readers do not block the writer; synchronous=NORMAL: in WAL mode a commit survives a crash
     * of the process (the plugin's case), only a power loss may lose the last ones; foreign keys on
     * (SQLite's default is off). The driver applies these query parameters on every connection.
     */
    static final String PRAGMAS = "journal_mode=WAL&busy_timeout=5000&synchronous=NORMAL&foreign_keys=true";

    private final Path stateDir;
    private final Optional<Path> template;
    private final StateDirectoryLock lock;

    StateDatabase(PluginConfig config, StateDirectoryLock lock) {
        this.stateDir = config.stateDir();
        this.template = config.stateTemplate();
        this.lock = lock;
    }

    @Produces
    @Singleton
    DataSource dataSource() {
        lock.acquire(); // creates the folder; fails if another process has it
        template.ifPresent(file -> StateTemplate.copyIfNone(file, stateDir));
        return migrated(stateDir);
    }

    /**
     * The state file at {@code stateDir} migrated, without the folder's lock: for tests, which open a
     * folder the way the plugin does; the plugin itself gets its {@link DataSource} from CDI.
     */
    public static DataSource migrated(Path stateDir) {
        ReusedConnections connections = connections(stateDir);
        migrate(connections, stateDir);
        return connections;
    }

    /** Connections to {@code <stateDir>/state.db}, opened as they are asked for. */
    static ReusedConnections connections(Path stateDir) {
        SQLiteConnectionPoolDataSource sqlite = new SQLiteConnectionPoolDataSource();
        sqlite.setUrl("jdbc:sqlite:" + stateDir.resolve("state.db") + "?" + PRAGMAS);
        return new ReusedConnections(sqlite);
    }

    void close(@Disposes DataSource dataSource) {
        ((ReusedConnections) dataSource).close(); // migrated() makes only these
    }

    /** Brings the state file at {@code stateDir} to the newest schema. */
    static void migrate(DataSource dataSource, Path stateDir) {
        if (upToDate(dataSource)) {
            LOG.infof("State file %s: schema version %s, up to date", stateDir.resolve("state.db"), version(MIGRATIONS.get(MIGRATIONS.size() - 1)));
            return;
        }
        try {
            Flyway.configure()
                    .dataSource(dataSource)
                    .resourceProvider(new Migrations())
                    .javaMigrationClassProvider(List::of)
                    .locations(LOCATION)
                    .load()
                    .migrate();
        } catch (FlywayException e) {
            throw new StateException("migrating the state file " + stateDir.resolve("state.db") + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether the file's history ({@code flyway_schema_history}) records exactly {@link #MIGRATIONS},
     * in order, each applied with success and with its script's checksum: the one case in which
     * Flyway's migrate validates and then applies nothing. The plugin then does not run Flyway, which
     * would be the first user of some 375 classes and of its SQL parser at every start (every boot of
     * a droplet and every {@code docker plugin enable} finds its file up to date). Anything else (a
     * new file, a migration added since, a file written by a newer plugin, an edited script, a failed
     * row, no readable history) goes to Flyway, which migrates or refuses as it always did.
     */
    static boolean upToDate(DataSource dataSource) {
        List<String> expected = MIGRATIONS.stream()
                .map(m -> version(m) + " " + LOCATION + "/" + m + " SQL " + checksum(m) + " true").toList();
        List<String> recorded = new ArrayList<>();
        try (Connection connection = dataSource.getConnection(); Statement s = connection.createStatement();
             ResultSet row = s.executeQuery("SELECT version, script, type, checksum, success FROM flyway_schema_history "
                     + "ORDER BY installed_rank")) {
            while (row.next()) {
                recorded.add(row.getString(1) + " " + row.getString(2) + " " + row.getString(3) + " "
                        + row.getObject(4) + " " + row.getBoolean(5));
            }
        } catch (SQLException e) {
            return false; // no history yet (a new file), or one Flyway will say what is wrong with
        }
        return recorded.equals(expected);
    }

    /** The version Flyway reads from a migration's name: {@code V3__x.sql} is 3, {@code V1_2__x.sql} 1.2. */
    static String version(String migration) {
        return migration.substring(1, migration.indexOf("__")).replace('_', '.');
    }

    /**
     * A migration's checksum as Flyway 12 computes it (its {@code ChecksumCalculator}): a CRC-32 of the
     * script's lines in UTF-8, without their line ends and without a byte-order mark; a test compares
     * it with what Flyway records.
     */
    static int checksum(String migration) {
        CRC32 crc = new CRC32();
        try (BufferedReader lines = new BufferedReader(script(migration), 4096)) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                crc.update((line.startsWith("\uFEFF") ? line.substring(1) : line).getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return (int) crc.getValue();
    }

    /** A migration's script, from the class path. */
    private static Reader script(String migration) {
        String path = LOCATION + "/" + migration;
        InputStream in = StateDatabase.class.getClassLoader().getResourceAsStream(path);
        if (in == null) {
            throw new UncheckedIOException(new FileNotFoundException("migration " + path + " is not on the class path"));
        }
        return new InputStreamReader(in, StandardCharsets.UTF_8);
    }

    /** {@link #MIGRATIONS} as Flyway reads them, from the class path. */
    private static final class Migrations implements ResourceProvider {

        @Override
        public LoadableResource getResource(String name) {
            return all().stream().filter(m -> m.getRelativePath().equals(name) || m.getFilename().equals(name))
                    .findFirst().orElse(null);
        }

        @Override
        public Collection<LoadableResource> getResources(String prefix, String[] suffixes) {
            return all().stream()
                    .filter(m -> m.getFilename().startsWith(prefix)
                            && Arrays.stream(suffixes).anyMatch(s -> m.getFilename().endsWith(s)))
                    .toList();
        }

        private static List<LoadableResource> all() {
            return MIGRATIONS.stream().<LoadableResource>map(Migration::new).toList();
        }
    }

    private static final class Migration extends LoadableResource {
        private final String file;

        Migration(String file) {
            this.file = file;
        }

        @Override
        public Reader read() {
            return script(file);
        }

        @Override
        public String getAbsolutePath() {
            return LOCATION + "/" + file;
        }

        @Override
        public String getAbsolutePathOnDisk() {
            return getAbsolutePath();
        }

        @Override
        public String getFilename() {
            return file;
        }

        @Override
        public String getRelativePath() {
            return getAbsolutePath();
        }
    }

    /**
     * A {@link DataSource} that keeps up to {@link #IDLE} connections open for reuse: opening one
     * opens the file and runs the pragmas above; and while one connection stays open, SQLite does not
     * checkpoint and remove the write-ahead log after every write (it does when its last connection
     * closes). A connection is returned by closing it (sqlite-jdbc's pooled handle rolls back an
     * unfinished transaction and restores auto-commit first); one that failed is dropped.
     */
    static final class ReusedConnections implements DataSource {
        static final int IDLE = 4;

        private final SQLiteConnectionPoolDataSource sqlite;
        private final Deque<PooledConnection> idle = new ArrayDeque<>();
        /** Connections the driver reported broken: closed, and never reused when their handle is closed. */
        private final Set<PooledConnection> broken = ConcurrentHashMap.newKeySet();
        private boolean closed;

        ReusedConnections(SQLiteConnectionPoolDataSource sqlite) {
            this.sqlite = sqlite;
        }

        @Override
        public Connection getConnection() throws SQLException {
            PooledConnection pooled;
            synchronized (this) {
                if (closed) {
                    throw new SQLException("the state file is closed (the plugin is stopping)");
                }
                pooled = idle.pollFirst();
            }
            if (pooled == null) {
                pooled = sqlite.getPooledConnection();
                pooled.addConnectionEventListener(new ConnectionEventListener() {
                    @Override
                    public void connectionClosed(ConnectionEvent event) {
                        giveBack((PooledConnection) event.getSource());
                    }

                    @Override
                    public void connectionErrorOccurred(ConnectionEvent event) {
                        PooledConnection source = (PooledConnection) event.getSource();
                        broken.add(source);
                        closeQuietly(source);
                    }
                });
            }
            return pooled.getConnection();
        }

        private void giveBack(PooledConnection pooled) {
            if (broken.remove(pooled)) {
                return; // closed already
            }
            synchronized (this) {
                if (!closed && idle.size() < IDLE) {
                    idle.addFirst(pooled);
                    return;
                }
            }
            closeQuietly(pooled);
        }

        /** Closes the idle connections; one in use is closed when it is given back. */
        void close() {
            List<PooledConnection> open;
            synchronized (this) {
                closed = true;
                open = List.copyOf(idle);
                idle.clear();
            }
            open.forEach(ReusedConnections::closeQuietly);
        }

        private static void closeQuietly(PooledConnection pooled) {
            try {
                pooled.close();
            } catch (SQLException e) {
                LOG.debugf("closing a state file connection: %s", e.getMessage());
            }
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return getConnection(); // SQLite has no users
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public java.util.logging.Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException("no parent logger");
        }

        @Override
        public <T> T unwrap(Class<T> type) throws SQLException {
            if (type.isInstance(this)) {
                return type.cast(this);
            }
            throw new SQLException("not a wrapper of " + type.getName());
        }

        @Override
        public boolean isWrapperFor(Class<?> type) {
            return type.isInstance(this);
        }
    }
}
