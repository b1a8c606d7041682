package io.dostorage.reconcile;

import io.dostorage.volume.VolumeService;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.List;

/**
 * Every {@code SWEEP_INTERVAL}, unmounts what is mounted under the mount root that no container
 * references, and releases (unmounts and detaches) volumes attached here with no reference once
 * the unmount grace has passed: a backstop for releases a crash or an error missed. It decides
 * from local state and the mount table only: an idle node makes no DigitalOcean call.
 */
@ApplicationScoped
class OrphanSweep {

    private static final Logger LOG = Logger.getLogger(OrphanSweep.class);

    private final VolumeService volumes;

    OrphanSweep(VolumeService volumes) {
        this.volumes = volumes;
    }

    @Scheduled(every = "${dostorage.sweep-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        try {
            List<String> released = volumes.sweep();
            // Each release logged its own steps (the operator's log); this names what the sweep found.
            released.forEach(name -> LOG.debugf("orphan sweep released volume %s: no container references it", name));
        } catch (RuntimeException e) {
            LOG.errorf("orphan sweep: %s", e.getMessage());
        }
    }
}
