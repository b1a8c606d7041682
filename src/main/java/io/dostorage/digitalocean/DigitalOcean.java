package io.dostorage.digitalocean;

import io.dostorage.volume.AttachedElsewhereException;
import io.dostorage.volume.Cloud;
import io.dostorage.volume.CloudAction;
import io.dostorage.volume.CloudException;
import io.dostorage.volume.CloudUnavailableException;
import io.dostorage.volume.DoDroplet;
import io.dostorage.volume.DoVolume;
import io.dostorage.volume.DropletBusyException;
import io.dostorage.volume.NewVolume;
import io.dostorage.volume.VolumeLimitException;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.FaultToleranceException;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * DigitalOcean's API v2 and metadata service behind the rules' {@link Cloud}. This is the edge where
 * DigitalOcean's words become the rules' errors: its "already" answers are handled here, once for
 * every caller (see {@link Cloud}); its 422 texts ({@link DoErrorText}) become named errors; a
 * failure that asking again later may mend (an outage, a spent rate limit, the open circuit
 * breaker, a timeout) becomes {@link CloudUnavailableException}; anything else
 * {@link CloudException} with DO's message and request id. Nothing of HTTP or of fault tolerance
 * leaves this package.
 */
@ApplicationScoped
class DigitalOcean implements Cloud {

    private final DoCalls calls;
    private final ThisDroplet droplet;

    DigitalOcean(DoCalls calls, ThisDroplet droplet) {
        this.calls = calls;
        this.droplet = droplet;
    }

    @Override
    public long dropletId() {
        return edge(droplet::id);
    }

    @Override
    public String region() {
        return edge(droplet::region);
    }

    @Override
    public Optional<DoVolume> find(String name, String region) {
        return edge(() -> findVolume(name, region));
    }

    @Override
    public List<DoVolume> list(String region) {
        return edge(() -> {
            List<DoVolume> all = new ArrayList<>();
            for (int page = 1; ; page++) {
                DoWire.VolumePage result = calls.send(DoRequest.listVolumes(null, region, page));
                List<DoWire.Volume> volumes = result.volumes();
                volumes.forEach(v -> all.add(v.toDoVolume()));
                Integer total = result.total();
                if (volumes.isEmpty() || result.next() == null || (total != null && all.size() >= total)) {
                    return all;
                }
            }
        });
    }

    @Override
    public Optional<DoVolume> volume(String id) {
        return edge(() -> getVolume(id));
    }

    @Override
    public DoVolume create(NewVolume volume) {
        return edge(() -> {
            try {
                // size_gigabytes is required with a snapshot_id too (DO's API description: both request
                // bodies of POST /v2/volumes list it as required); DO refuses one below the snapshot's size.
                return calls.send(DoRequest.createVolume(new DoWire.NewVolume(volume.name(),
                        volume.sizeGib(), volume.region(), volume.description(),
                        volume.snapshotId(), volume.tags().isEmpty() ? null : volume.tags()))).toDoVolume();
            } catch (DigitalOceanException e) {
                if (e.status() == 409 || e.status() == 422) {
                    Optional<DoVolume> existing = findVolume(volume.name(), volume.region());
                    if (existing.isPresent()) {
                        return existing.get();
                    }
                }
                throw e;
            }
        });
    }

    @Override
    public void delete(String volumeId) {
        edge(() -> {
            try {
                calls.send(DoRequest.deleteVolume(volumeId));
            } catch (DigitalOceanException e) {
                if (!e.isNotFound()) {
                    throw e;
                }
            }
            return null;
        });
    }

    /**
     * DO answers an attach of a volume that is attached with the same 422 whichever droplet holds it,
     * so one more call tells "attached to that droplet already" (nothing to do) from "attached
     * elsewhere".
     */
    @Override
    public Optional<CloudAction> attach(String volumeId, String region, long dropletId) {
        return edge(() -> {
            try {
                return Optional.of(calls.send(DoRequest.volumeAction(volumeId,
                        new DoWire.VolumeAction("attach", dropletId, region, null))).toCloudAction());
            } catch (DigitalOceanException e) {
                busyOr(e);
                if (e.isUnprocessable(DoErrorText.VOLUME_LIMIT)) {
                    throw new VolumeLimitException(e.getMessage(), e.requestId(), e);
                }
                if (!e.isUnprocessable(DoErrorText.ALREADY_ATTACHED)) {
                    throw e;
                }
                DoVolume now = getVolume(volumeId).orElseThrow(() -> e);
                if (!now.isAttachedTo(dropletId)) {
                    throw new AttachedElsewhereException("volume " + now.name() + " is attached to droplet "
                            + now.dropletIds() + ", not " + dropletId + ": " + e.getMessage(), now.dropletIds(),
                            e.requestId(), e);
                }
                return Optional.<CloudAction>empty();
            }
        });
    }

    @Override
    public Optional<CloudAction> detach(String volumeId, String region, long dropletId) {
        return edge(() -> {
            try {
                return Optional.of(calls.send(DoRequest.volumeAction(volumeId,
                        new DoWire.VolumeAction("detach", dropletId, region, null))).toCloudAction());
            } catch (DigitalOceanException e) {
                busyOr(e);
                if (!e.isUnprocessable(DoErrorText.ATTACHMENT_NOT_FOUND)) {
                    throw e;
                }
                return Optional.<CloudAction>empty();
            }
        });
    }

    @Override
    public CloudAction action(long actionId) {
        return edge(() -> calls.send(DoRequest.getAction(actionId)).toCloudAction());
    }

    @Override
    public Optional<DoDroplet> droplet(long id) {
        return edge(() -> {
            try {
                return Optional.of(calls.send(DoRequest.getDroplet(id)).toDoDroplet());
            } catch (DigitalOceanException e) {
                if (e.isNotFound()) {
                    return Optional.<DoDroplet>empty();
                }
                throw e;
            }
        });
    }

    @Override
    public void tag(String volumeId, String tag) {
        edge(() -> {
            calls.send(DoRequest.createTag(tag));
            calls.send(DoRequest.tagVolume(tag, volumeId));
            return null;
        });
    }

    private Optional<DoVolume> findVolume(String name, String region) {
        return calls.send(DoRequest.listVolumes(name, region, 1)).volumes().stream()
                .filter(v -> name.equals(v.name())).findFirst().map(DoWire.Volume::toDoVolume);
    }

    private Optional<DoVolume> getVolume(String id) {
        try {
            return Optional.of(calls.send(DoRequest.getVolume(id)).toDoVolume());
        } catch (DigitalOceanException e) {
            if (e.isNotFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** DO's "pending event": another action runs on the droplet or the volume. */
    private static void busyOr(DigitalOceanException e) {
        if (e.isUnprocessable(DoErrorText.PENDING_EVENT)) {
            throw new DropletBusyException(e.getMessage(), e.requestId(), e);
        }
    }

    /** Runs a call and turns what this package throws into the rules' errors. */
    private static <T> T edge(Supplier<T> call) {
        try {
            return call.get();
        } catch (DigitalOceanUnavailableException e) {
            throw new CloudUnavailableException(e.getMessage(), e.requestId(), e);
        } catch (DigitalOceanException e) {
            if (e.status() == 429) {
                // The rate limit is spent for longer than a request may wait (DoCalls did not retry).
                throw new CloudUnavailableException(e.getMessage(), e.requestId(), e);
            }
            throw new CloudException(e.getMessage(), e.requestId(), e);
        } catch (CircuitBreakerOpenException e) {
            throw new CloudUnavailableException("DigitalOcean is not asked for a while: most recent calls failed "
                    + "(circuit breaker " + DoCalls.BREAKER + " open); try again later", null, e);
        } catch (FaultToleranceException e) {
            throw new CloudUnavailableException("DigitalOcean did not answer in time: " + e.getMessage(), null, e);
        }
    }
}
