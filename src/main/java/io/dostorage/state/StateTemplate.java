package io.dostorage.state;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The state file a new node starts from, made once when the image is built: an empty state file that
 * Flyway brought to this version's schema, with Flyway's own history. A node that has no state file
 * gets a copy ({@link #copyIfNone}), which {@link StateDatabase} then checks as it checks any state
 * file: up to date, it is used as it is; otherwise (a template of another version) Flyway migrates it.
 * So every schema is still made by Flyway, and the first start of a node costs no migration: that
 * start would be the only one to use Flyway's classes, and with them in the image's AOT cache
 * (JEP 483 loads every class of the cache) every start would pay for them.
 *
 * <p>{@code java -cp quarkus-run.jar io.dostorage.state.StateTemplate FILE} makes the template
 * (Dockerfile.jvm, bench/run.sh).
 */
public final class StateTemplate {

    private static final Logger LOG = Logger.getLogger(StateTemplate.class);
    private static final String STATE_FILE = "state.db";

    private StateTemplate() {
    }

    /** Makes the template at {@code args[0]}, which must not exist yet. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: StateTemplate FILE (the state file to make, by Flyway's migrations)");
            System.exit(2);
        }
        make(Path.of(args[0]));
    }

    /** Migrates a new state file in a folder of its own and moves it to {@code target}. */
    static void make(Path target) throws IOException {
        if (Files.exists(target)) {
            throw new IOException(target + " exists already: a template is made once, from nothing");
        }
        Path folder = Files.createTempDirectory(target.toAbsolutePath().getParent(), "state-template");
        StateDatabase.ReusedConnections connections = StateDatabase.connections(folder);
        try {
            StateDatabase.migrate(connections, folder);
        } finally {
            connections.close(); // the last connection's close checkpoints the WAL into the file
        }
        try (var left = Files.list(folder)) {
            if (!left.map(p -> p.getFileName().toString()).allMatch(STATE_FILE::equals)) {
                throw new IOException("the state file in " + folder + " was not closed cleanly: its WAL is still there");
            }
        }
        Files.move(folder.resolve(STATE_FILE), target);
        Files.delete(folder);
    }

    /**
     * Copies the template as the state file of {@code stateDir} when that folder has none (neither the
     * file nor a WAL of one: SQLite's {@code -wal} holds commits not yet in the file, and a copy must
     * never stand beside them). The copy is written beside the state file and then renamed, so that a
     * crash leaves either no state file or a whole one. A template that cannot be read is logged and
     * left: Flyway then makes the state file as without one.
     */
    static void copyIfNone(Path template, Path stateDir) {
        Path state = stateDir.resolve(STATE_FILE);
        if (Files.exists(state) || Files.exists(stateDir.resolve(STATE_FILE + "-wal"))) {
            return;
        }
        Path partial = stateDir.resolve(STATE_FILE + ".from-template");
        try {
            Files.copy(template, partial, StandardCopyOption.REPLACE_EXISTING);
            Files.move(partial, state, StandardCopyOption.ATOMIC_MOVE);
            LOG.infof("State file %s: new, copied from the image's template %s", state, template);
        } catch (IOException e) {
            LOG.warnf("State file %s: copying the image's template %s failed (%s); Flyway makes the file instead",
                    state, template, e.toString());
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // the next start's copy replaces it
            }
        }
    }
}
