package io.dostorage.reconcile;

import io.dostorage.volume.VolumeService;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.util.List;

/**
 * Every {@code SWEEP_INTERVAL}, unmounts volumes that are mounted under the mount root but that no
 * container references (a crash between a mount and its reference, or a mount made by hand). It
 * reads only local state and the mount table: an idle node makes no DigitalOcean call.
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
            List<Path> unmounted = volumes.unmountOrphans();
            unmounted.forEach(path -> LOG.infof("unmounted orphaned volume at %s: no container references it", path));
        } catch (RuntimeException e) {
            LOG.errorf("orphan sweep: %s", e.getMessage());
        }
    }
}
