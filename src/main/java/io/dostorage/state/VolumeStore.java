package io.dostorage.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The only code that speaks SQL: volumes this node knows and the mount references dockerd holds.
 *
 * <p>Every write is its own committed transaction, so a reference returned to dockerd is on disk
 * before the answer leaves (SQLite in WAL mode survives {@code kill -9} of the process at any point).
 */
@ApplicationScoped
public class VolumeStore {

    private static final TypeReference<Map<String, String>> OPTIONS = new TypeReference<>() { };
    private static final String COLUMNS = "name, options, created_at, do_id, region, created_here, attached_droplet";

    /** Beyond this many names the copies are dropped at once: dockerd asks of a handful of volumes. */
    private static final int MAX_READS = 1024;

    private final DataSource dataSource;
    private final ObjectMapper json;
    private final Clock clock;
    /**
     * Copies of {@link #findVolume} answers, each valid only while no write has happened since it was
     * read: dockerd asks Get and Path of a volume far more often than anything changes it (every
     * {@code docker volume inspect}, every container start and stop), and an answer from memory costs
     * no SQL, no JSON decoding and no lock in SQLite.
     */
    private final Map<String, Read> reads = new ConcurrentHashMap<>();
    /** Counts committed writes; a copy is served only when read under the current count. */
    private final AtomicLong writes = new AtomicLong();

    public VolumeStore(DataSource dataSource, ObjectMapper json, Clock clock) {
        this.dataSource = dataSource;
        this.json = json;
        this.clock = clock;
    }

    /** Records a volume; returns false, changing nothing, when one of that name is already known. */
    public boolean insertVolume(String name, Map<String, String> options) {
        return update("recording volume " + name,
                "INSERT OR IGNORE INTO volume (name, options, created_at) VALUES (?, ?, ?)",
                name, toJson(options), clock.instant().toString()) == 1;
    }

    /** Records a volume with its DigitalOcean side; returns false, changing nothing, when one of that name is known. */
    public boolean insertVolume(String name, Map<String, String> options, String doId, String region, boolean createdHere,
                                Long attachedDroplet) {
        return update("recording volume " + name,
                "INSERT OR IGNORE INTO volume (name, options, created_at, do_id, region, created_here, attached_droplet) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?)",
                name, toJson(options), clock.instant().toString(), doId, region, createdHere ? "1" : "0",
                attachedDroplet == null ? null : attachedDroplet.toString()) == 1;
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
        Read copy = reads.get(name);
        if (copy != null && copy.generation() == generation) {
            return copy.volume();
        }
        Optional<StoredVolume> read = readVolume(name);
        if (reads.size() >= MAX_READS) {
            reads.clear();
        }
        reads.put(name, new Read(generation, read));
        return read;
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

    /** All known volumes, by name. */
    public List<StoredVolume> listVolumes() {
        return query("listing volumes", connection -> {
            Map<String, Set<String>> refs = new HashMap<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT volume, caller_id FROM mount_reference");
                 ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    refs.computeIfAbsent(row.getString(1), k -> new TreeSet<>()).add(row.getString(2));
                }
            }
            List<StoredVolume> volumes = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT " + COLUMNS + " FROM volume ORDER BY name");
                 ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    volumes.add(volume(row, refs.getOrDefault(row.getString(1), Set.of())));
                }
            }
            return volumes;
        });
    }

    /** Forgets a volume; its references must be gone first (the foreign key refuses otherwise). */
    public boolean deleteVolume(String name) {
        return update("forgetting volume " + name, "DELETE FROM volume WHERE name = ?", name) == 1;
    }

    /** Adds the reference (volume, caller ID); returns false when it was already there. */
    public boolean addReference(String volume, String callerId) {
        return update("recording mount of volume " + volume + " by " + callerId,
                "INSERT OR IGNORE INTO mount_reference (volume, caller_id, created_at) VALUES (?, ?, ?)",
                volume, callerId, clock.instant().toString()) == 1;
    }

    /** Drops the reference (volume, caller ID); returns false when there was none. */
    public boolean removeReference(String volume, String callerId) {
        return update("dropping mount of volume " + volume + " by " + callerId,
                "DELETE FROM mount_reference WHERE volume = ? AND caller_id = ?", volume, callerId) == 1;
    }

    private StoredVolume volume(ResultSet row, Set<String> references) throws SQLException {
        boolean createdHere = row.getInt("created_here") == 1;
        long attached = row.getLong("attached_droplet");
        Long attachedDroplet = row.wasNull() ? null : attached;
        return new StoredVolume(row.getString("name"), fromJson(row.getString("options")),
                Instant.parse(row.getString("created_at")), references, row.getString("do_id"), row.getString("region"),
                createdHere, attachedDroplet);
    }

    private static Set<String> references(Connection connection, String volume) throws SQLException {
        Set<String> ids = new TreeSet<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT caller_id FROM mount_reference WHERE volume = ?")) {
            select.setString(1, volume);
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    ids.add(row.getString(1));
                }
            }
        }
        return ids;
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

    private String toJson(Map<String, String> options) {
        try {
            return json.writeValueAsString(new LinkedHashMap<>(options));
        } catch (JsonProcessingException e) {
            throw new StateException("encoding options: " + e.getOriginalMessage(), e);
        }
    }

    private Map<String, String> fromJson(String text) {
        try {
            return json.readValue(text, OPTIONS);
        } catch (JsonProcessingException e) {
            throw new StateException("decoding stored options " + text + ": " + e.getOriginalMessage(), e);
        }
    }

    private record Read(long generation, Optional<StoredVolume> volume) {
    }

    @FunctionalInterface
    private interface SqlWork<T> {
        T run(Connection connection) throws SQLException;
    }
}
