package io.dostorage.reconcile;

import io.dostorage.volume.VolumeService;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.Map;

/**
 * At start-up, before the socket is bound (Quarkus binds it after the start-up observers), brings
 * the host back in line with the references in the state file: a plugin restart, a crash or a node
 * reboot must not leave a container that dockerd thinks is using a volume without its mount.
 */
@ApplicationScoped
class StartupReconciliation {

    private static final Logger LOG = Logger.getLogger(StartupReconciliation.class);

    private final VolumeService volumes;

    StartupReconciliation(VolumeService volumes) {
        this.volumes = volumes;
    }

    void onStart(@Observes StartupEvent event) {
        Map<String, String> failures = volumes.restoreMounts();
        // One broken volume must not keep the plugin, and so every other volume, from starting.
        failures.values().forEach(LOG::error);
    }
}
