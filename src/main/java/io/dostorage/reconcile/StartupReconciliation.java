package io.dostorage.reconcile;

import io.dostorage.volume.VolumeService;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.Map;

/**
 * At start-up, before the socket is bound (Quarkus binds it after the start-up observers), finishes
 * or undoes the operations a crash left in flight, and brings mounts and attachments in line with
 * the references in the state file: a plugin restart or crash at any moment must leave no
 * container without its mount, and no stray mount or attachment.
 */
@ApplicationScoped
class StartupReconciliation {

    private static final Logger LOG = Logger.getLogger(StartupReconciliation.class);

    private final VolumeService volumes;

    StartupReconciliation(VolumeService volumes) {
        this.volumes = volumes;
    }

    void onStart(@Observes StartupEvent event) {
        Map<String, String> failures = volumes.recover();
        // One broken volume must not keep the plugin, and so every other volume, from starting.
        failures.values().forEach(LOG::error);
    }
}
