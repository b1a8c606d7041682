package io.dostorage.reconcile;

import io.dostorage.volume.VolumeService;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * At start-up, before the socket is bound (Quarkus binds it after the start-up observers), settles
 * what needs only the state file: references of an earlier boot are void, and the Mounts and
 * Unmounts a crash cut short are taken back or finished. Then, on a thread of its own while the
 * socket already answers, brings mounts and attachments in line with the references, which may ask
 * DigitalOcean: a DigitalOcean outage must not keep the plugin from starting (dockerd refuses a
 * managed plugin whose socket does not answer within about 10 s of {@code docker plugin enable}, and
 * calls Get for every volume it knows at its start).
 */
@ApplicationScoped
class StartupReconciliation {

    private static final Logger LOG = Logger.getLogger(StartupReconciliation.class);

    private final VolumeService volumes;
    private final ExecutorService background = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "dostorage-recovery");
        thread.setDaemon(true);
        return thread;
    });

    StartupReconciliation(VolumeService volumes) {
        this.volumes = volumes;
    }

    void onStart(@Observes StartupEvent event) {
        volumes.prepare();
        background.submit(() -> {
            try {
                Map<String, String> failures = volumes.reconcile();
                // One broken volume must not keep the plugin, and so every other volume, from starting.
                failures.values().forEach(LOG::error);
            } catch (RuntimeException e) {
                LOG.errorf("bringing volumes in line with their references after the start: %s (the sweep goes on)",
                        e.getMessage());
            }
        });
    }

    void onStop(@Observes ShutdownEvent event) {
        background.shutdownNow();
    }
}
