package io.dostorage.volume;

import io.dostorage.config.PluginConfig;
import io.dostorage.state.VolumeStore;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.Optional;

/**
 * Journals the steps of an operation on a volume, so that after a crash the start-up
 * reconciliation knows what was in flight and how far it got. Step names are unique across
 * operations ({@code mount-attached}, {@code release-detached}, ...); the crash-test hook
 * ({@code CRASH_AT}) halts the process right after the named step is journalled.
 */
@ApplicationScoped
class Steps {

    private static final Logger LOG = Logger.getLogger(Steps.class);

    private final VolumeStore store;
    private final Optional<String> crashAt;

    Steps(VolumeStore store, PluginConfig config) {
        this.store = store;
        this.crashAt = config.crashAt();
    }

    void begin(String volume, String kind, String callerId) {
        store.beginOperation(volume, kind, callerId);
        crashIfAt(kind + "-begun", volume);
    }

    void reached(String volume, String step) {
        store.operationStep(volume, step);
        crashIfAt(step, volume);
    }

    /** The step was journalled by the store in the same transaction as its effect: only the crash hook runs here. */
    void passed(String volume, String step) {
        crashIfAt(step, volume);
    }

    void end(String volume) {
        store.endOperation(volume);
    }

    private void crashIfAt(String step, String volume) {
        if (crashAt.isPresent() && crashAt.get().equals(step)) {
            LOG.errorf("CRASH_AT=%s: halting at step %s of volume %s, as after kill -9", step, step, volume);
            Runtime.getRuntime().halt(137);
        }
    }
}
