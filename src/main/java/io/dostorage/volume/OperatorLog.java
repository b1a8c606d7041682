package io.dostorage.volume;

import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The operator's log: one INFO line for each change of a volume's state on this node, with the
 * volume, the droplet ids and how long the step took. With the managed plugin these lines land in
 * dockerd's log (journalctl -u docker, each tagged {@code plugin=<id>}), so following a volume from
 * droplet to droplet (a Swarm move, a takeover) is a grep for its name across the nodes' logs.
 *
 * <p>Only state changes: Get, Path and List change nothing and dockerd sends them constantly, so they
 * log nothing at INFO; nor does a Mount or Unmount that only counts a reference (a container more or
 * less on a volume that stays mounted). The host layer logs the two steps only it sees: a format and
 * a grow. Every line is built from names, ids and numbers: never a setting's value, so never the token.
 */
final class OperatorLog {

    private static final Logger LOG = Logger.getLogger(OperatorLog.class);

    private OperatorLog() {
    }

    /** A clock reading to pass to the methods below: {@code long started = OperatorLog.start()}. */
    static long start() {
        return System.nanoTime();
    }

    static void created(DoVolume volume, long started) {
        LOG.infof("created volume %s in DigitalOcean (id %s, %d GiB, %s) in %d ms", volume.name(), volume.id(),
                volume.sizeGib(), volume.region(), millisSince(started));
    }

    static void adopted(DoVolume volume) {
        LOG.infof("adopted volume %s: DigitalOcean has it already (id %s, %d GiB, %s%s)", volume.name(), volume.id(),
                volume.sizeGib(), volume.region(),
                volume.dropletIds().isEmpty() ? ", attached nowhere" : ", attached to droplet " + volume.dropletIds().get(0));
    }

    static void attached(String name, long droplet, long started) {
        LOG.infof("attached volume %s to droplet %d in %d ms", name, droplet, millisSince(started));
    }

    static void mounted(String name, long droplet, Path root, long started) {
        LOG.infof("mounted volume %s at %s on droplet %d in %d ms", name, root, droplet, millisSince(started));
    }

    /** @param why what let the volume go: "no container uses it", "removed", ... */
    static void unmounted(String name, long droplet, Path root, long started, String why) {
        LOG.infof("unmounted volume %s from %s on droplet %d in %d ms (%s)", name, root, droplet, millisSince(started), why);
    }

    /** @param why "released: no container uses it", "taken over by droplet 1002", ... */
    static void detached(String name, long droplet, long started, String why) {
        LOG.infof("detached volume %s from droplet %d in %d ms (%s)", name, droplet, millisSince(started), why);
    }

    /** A release found nothing to detach: another droplet took the volume over meanwhile, and keeps it. */
    static void keptElsewhere(String name, long droplet) {
        LOG.infof("released volume %s on droplet %d: DigitalOcean has it attached to another droplet now, which keeps "
                + "it (nothing detached)", name, droplet);
    }

    static void deleted(String name, String doId, RemovePolicy policy, long started) {
        LOG.infof("deleted volume %s in DigitalOcean (id %s, remove policy %s) in %d ms", name, doId, policy.word(),
                millisSince(started));
    }

    static void forgotten(String name, RemovePolicy policy, boolean createdHere) {
        LOG.infof("removed volume %s from this plugin; DigitalOcean keeps it (remove policy %s%s)", name, policy.word(),
                policy == RemovePolicy.DELETE_CREATED && !createdHere ? ": the plugin did not create it" : "");
    }

    private static long millisSince(long started) {
        return Duration.ofNanos(System.nanoTime() - started).toMillis();
    }
}
