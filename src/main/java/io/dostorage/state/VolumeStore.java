package io.dostorage.state;

import io.dostorage.json.Json;
import io.dostorage.json.JsonSyntaxException;
import jakarta.enterprise.context.ApplicationScoped;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The only code that speaks SQL: volumes this node knows, the mount references dockerd holds (counted
 * per caller ID, each with its boot), the journal, and DigitalOcean answers kept across restarts.
 *
 * <p>Every write is its own committed transaction, so a reference returned to dockerd is on disk
 * before the answer leaves (SQLite in WAL mode survives {@code kill -9} of the process at any point).
 *
 * <p>Why one class of about 360 lines: its four tables change together. A Mount's reference and its
 * journal step commit in one transaction, and a reboot voids references while it settles the journal,
 * so the SQL of both has to share the transaction helper and the connection handling; splitting by
 * table would spread each of those transactions over classes that then share a connection.
 */
@ApplicationScoped
public class VolumeStore {

    private static final String COLUMNS = "name, options, created_at, do_id, region, created_here, attached_droplet";

    /** Beyond this many names the copies are dropped at once: dockerd asks of a handful of volumes. */
    private static final int MAX_READS = 1024;

    private final DataSource dataSource;
    private final Clock clock;
    private final Boot boot;
    /**
     * Copies of {@link #findVolume} answers, each valid only while no write has happened since it was
     * read: dockerd asks Get and Path of a volume far more often than anything changes it (every
     * {@code docker volume inspect}, every container start and stop), and an answer from memory costs
     * no SQL, no JSON decoding and no lock in SQLite.
     */
    private final Map<String, Read> reads = new ConcurrentHashMap<>();
    /** Counts committed writes; a copy is served only when read under the current count. */
    private final AtomicLong writes = new AtomicLong();

    public VolumeStore(DataSource dataSource, Clock clock, Boot boot) {
        this.dataSource = dataSource;
        this.clock = clock;
        this.boot = boot;
    }

    /** Records a volume; returns false, changing nothing, when one of that name is already known. */
    public boolean insertVolume(String name, Map<String, String> options) {
        return update("recording volume " + name,
                "INSERT OR IGNORE INTO volume (name, options, created_at) VALUES (?, ?, ?)",
                name, Json.write(options), clock.instant().toString()) == 1;
    }

    /** Records a volume with its DigitalOcean side; returns false, changing nothing, when one of that name is known. */
    public boolean insertVolume(String name, Map<String, String> options, String doId, String region, boolean createdHere,
                                Long attachedDroplet) {
        return update("recording volume " + name,
                "INSERT OR IGNORE INTO volume (name, options, created_at, do_id, region, created_here, attached_droplet) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?)",
                name, Json.write(options), clock.instant().toString(), doId, region, createdHere ? "1" : "0",
                attachedDroplet == null ? null : attachedDroplet.toString()) == 1;
    }

    /** Records the volume's options anew: DigitalOcean's answer may change one (a resize, its size). */
    public void setOptions(String name, Map<String, String> options) {
        update("recording the options of volume " + name, "UPDATE volume SET options = ? WHERE name = ?",
                Json.write(options), name);
    }

    /** Records the droplet the volume is now attached to; null when it is detached. */
    public void setAttached(String name, Long droplet) {
        update("recording attachment of volume " + name, "UPDATE volume SET attached_droplet = ? WHERE name = ?",
                droplet == null ? null : droplet.toString(), name);
    }

    /** Starts journalling an operation on the volume (replacing any left over). */
    public void beginOperation(String volume, String kind, String callerId) {
        update("journalling " + kind + " of volume " + volume,
                "INSERT OR REPLACE INTO operation (volume, kind, caller_id, step, started_at) VALUES (?, ?, ?, 'begun', ?)",
                volume, kind, callerId, clock.instant().toString());
    }

    /** Records the step the volume's operation has completed. */
    public void operationStep(String volume, String step) {
        update("journalling step " + step + " of volume " + volume, "UPDATE operation SET step = ? WHERE volume = ?",
                step, volume);
    }

    public void endOperation(String volume) {
        update("ending the journal entry of volume " + volume, "DELETE FROM operation WHERE volume = ?", volume);
    }

    /** Operations left in flight, oldest first: after a crash, what the reconciliation must finish or undo. */
    public List<Operation> operations() {
        return query("reading the journal", connection -> {
            List<Operation> operations = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT volume, kind, caller_id, step, started_at FROM operation ORDER BY started_at");
                 ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    operations.add(new Operation(row.getString(1), row.getString(2), row.getString(3), row.getString(4),
                            Instant.parse(row.getString(5))));
                }
            }
            return operations;
        });
    }

    public Optional<StoredVolume> findVolume(String name) {
        // The count is taken before the read: a write that commits meanwhile bumps it after its
        // commit, so a copy that may predate that write is never served.
        long generation = writes.get();
        Read copy = current(name, generation);
        if (copy != null) {
            return copy.volume();
        }
        Optional<StoredVolume> read = readVolume(name);
        if (reads.size() >= MAX_READS) {
            reads.clear();
        }
        reads.put(name, new Read(generation, read));
        return read;
    }

    /**
     * {@link #findVolume}'s answer for a known volume when memory holds a current copy of it; empty
     * when that answer would read SQLite (no copy, or one a write has made stale) or the volume is
     * not known. Never blocks: the plugin answers from it on the thread that reads the request.
     */
    public Optional<StoredVolume> findVolumeInMemory(String name) {
        Read copy = current(name, writes.get());
        return copy == null ? Optional.empty() : copy.volume();
    }

    /** The copy of the volume's read when it was read under {@code generation}, the current count; else null. */
    private Read current(String name, long generation) {
        Read copy = reads.get(name);
        return copy != null && copy.generation() == generation ? copy : null;
    }

    private Optional<StoredVolume> readVolume(String name) {
        return query("reading volume " + name, connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT " + COLUMNS + " FROM volume WHERE name = ?")) {
                select.setString(1, name);
                try (ResultSet row = select.executeQuery()) {
                    if (!row.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(volume(row, references(connection, name)));
                }
            }
        });
    }

    /**
     * All known volumes, by name. A listing reads every row, so each is kept as {@link #findVolume}'s
     * copy (under the count taken before the read, as there): the Get that dockerd sends for every
     * volume it knows, one after another as it starts, is then answered from memory.
     */
    public List<StoredVolume> listVolumes() {
        long generation = writes.get();
        List<StoredVolume> volumes = readAllVolumes();
        if (reads.size() + volumes.size() <= MAX_READS) {
            volumes.forEach(v -> reads.put(v.name(), new Read(generation, Optional.of(v))));
        }
        return volumes;
    }

    private List<StoredVolume> readAllVolumes() {
        return query("listing volumes", connection -> {
            Map<String, Map<String, Integer>> refs = new HashMap<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT volume, caller_id, mounts FROM mount_reference");
                 ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    refs.computeIfAbsent(row.getString(1), k -> new TreeMap<>()).put(row.getString(2), row.getInt(3));
                }
            }
            List<StoredVolume> volumes = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT " + COLUMNS + " FROM volume ORDER BY name");
                 ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    volumes.add(volume(row, refs.getOrDefault(row.getString(1), Map.of())));
                }
            }
            return volumes;
        });
    }

    /** Forgets a volume; its references must be gone first (the foreign key refuses otherwise). */
    public boolean deleteVolume(String name) {
        return update("forgetting volume " + name, "DELETE FROM volume WHERE name = ?", name) == 1;
    }

    /**
     * Counts one more Mount of the volume by the caller, in this boot; with {@code step}, records in the
     * same transaction that the volume's journalled operation reached it, so that a crash leaves
     * either both or neither (recovery takes back one count of a Mount whose journal says it counted).
     */
    public void addReference(String volume, String callerId, String step) {
        transaction("recording mount of volume " + volume + " by " + callerId, connection -> {
            execute(connection, "INSERT INTO mount_reference (volume, caller_id, created_at, mounts, boot_id) VALUES (?, ?, ?, 1, ?) "
                    + "ON CONFLICT (volume, caller_id) DO UPDATE SET mounts = mounts + 1", volume, callerId,
                    clock.instant().toString(), boot.id());
            journalStep(connection, volume, step);
            return null;
        });
    }

    /**
     * Takes one Mount of the volume by the caller back (never below zero: an unknown caller changes
     * nothing); with {@code step}, records in the same transaction that the journalled operation
     * reached it. Returns false when the caller held no reference.
     */
    public boolean removeReference(String volume, String callerId, String step) {
        return transaction("dropping mount of volume " + volume + " by " + callerId, connection -> {
            int changed = execute(connection, "UPDATE mount_reference SET mounts = mounts - 1 "
                    + "WHERE volume = ? AND caller_id = ? AND mounts > 1", volume, callerId);
            if (changed == 0) {
                changed = execute(connection, "DELETE FROM mount_reference WHERE volume = ? AND caller_id = ?", volume, callerId);
            }
            journalStep(connection, volume, step);
            return changed == 1;
        });
    }

    /**
     * Voids the references made in an earlier boot (no container survives a reboot) and counts those
     * made before boot ids were kept to this boot (see migration V3). Returns what was voided, per
     * volume: caller ID to count.
     */
    public Map<String, Map<String, Integer>> voidEarlierBoots() {
        return transaction("voiding mount references of earlier boots", connection -> {
            execute(connection, "UPDATE mount_reference SET boot_id = ? WHERE boot_id IS NULL", boot.id());
            Map<String, Map<String, Integer>> voided = new TreeMap<>();
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT volume, caller_id, mounts FROM mount_reference WHERE boot_id <> ?")) {
                select.setString(1, boot.id());
                try (ResultSet row = select.executeQuery()) {
                    while (row.next()) {
                        voided.computeIfAbsent(row.getString(1), k -> new TreeMap<>()).put(row.getString(2), row.getInt(3));
                    }
                }
            }
            execute(connection, "DELETE FROM mount_reference WHERE boot_id <> ?", boot.id());
            return voided;
        });
    }

    /** Keeps an answer of DigitalOcean's (a JSON document) under {@code name}, replacing the one kept before. */
    public void keepAnswer(String name, String body, Instant fetchedAt) {
        update("keeping DigitalOcean's answer " + name,
                "INSERT OR REPLACE INTO kept_answer (name, body, fetched_at) VALUES (?, ?, ?)", name, body, fetchedAt.toString());
    }

    /** The answer kept under {@code name}, if any. */
    public Optional<String> keptAnswer(String name) {
        return query("reading DigitalOcean's kept answer " + name, connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT body FROM kept_answer WHERE name = ?")) {
                select.setString(1, name);
                try (ResultSet row = select.executeQuery()) {
                    return row.next() ? Optional.of(row.getString(1)) : Optional.empty();
                }
            }
        });
    }

    private StoredVolume volume(ResultSet row, Map<String, Integer> references) throws SQLException {
        boolean createdHere = row.getInt("created_here") == 1;
        long attached = row.getLong("attached_droplet");
        Long attachedDroplet = row.wasNull() ? null : attached;
        return new StoredVolume(row.getString("name"), fromJson(row.getString("options")),
                Instant.parse(row.getString("created_at")), references, row.getString("do_id"), row.getString("region"),
                createdHere, attachedDroplet);
    }

    private static Map<String, Integer> references(Connection connection, String volume) throws SQLException {
        Map<String, Integer> ids = new TreeMap<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT caller_id, mounts FROM mount_reference WHERE volume = ?")) {
            select.setString(1, volume);
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    ids.put(row.getString(1), row.getInt(2));
                }
            }
        }
        return ids;
    }

    private static void journalStep(Connection connection, String volume, String step) throws SQLException {
        if (step != null) {
            execute(connection, "UPDATE operation SET step = ? WHERE volume = ?", step, volume);
        }
    }

    private static int execute(Connection connection, String sql, String... parameters) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setString(i + 1, parameters[i]);
            }
            return statement.executeUpdate();
        }
    }

    /** Runs {@code work} in one transaction: all its writes commit together, or none does. */
    private <T> T transaction(String what, SqlWork<T> work) {
        try {
            return query(what, connection -> {
                connection.setAutoCommit(false);
                try {
                    T result = work.run(connection);
                    connection.commit();
                    return result;
                } catch (SQLException | RuntimeException e) {
                    connection.rollback();
                    throw e;
                } finally {
                    connection.setAutoCommit(true);
                }
            });
        } finally {
            writes.incrementAndGet(); // as in update(): after the commit
        }
    }

    private int update(String what, String sql, String... parameters) {
        try {
            return query(what, connection -> {
                try (PreparedStatement statement = connection.prepareStatement(sql)) {
                    for (int i = 0; i < parameters.length; i++) {
                        statement.setString(i + 1, parameters[i]);
                    }
                    return statement.executeUpdate();
                }
            });
        } finally {
            writes.incrementAndGet(); // after the commit (auto-commit), even a failed one: never trust a copy across a write
        }
    }

    private <T> T query(String what, SqlWork<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            return work.run(connection);
        } catch (SQLException e) {
            throw new StateException(what + ": " + e.getMessage(), e);
        }
    }

    /** The options as stored: an object of strings. */
    private static Map<String, String> fromJson(String text) {
        try {
            if (Json.parse(text) instanceof Map<?, ?> map) {
                Map<String, String> options = new LinkedHashMap<>();
                for (Map.Entry<?, ?> option : map.entrySet()) {
                    if (!(option.getValue() instanceof String value)) {
                        throw new StateException("decoding stored options " + text + ": " + option.getKey()
                                + " is not a string");
                    }
                    options.put((String) option.getKey(), value);
                }
                return options;
            }
            throw new StateException("decoding stored options " + text + ": not a JSON object");
        } catch (JsonSyntaxException e) {
            throw new StateException("decoding stored options " + text + ": " + e.getMessage(), e);
        }
    }

    private record Read(long generation, Optional<StoredVolume> volume) {
    }

    @FunctionalInterface
    private interface SqlWork<T> {
        T run(Connection connection) throws SQLException;
    }
}
