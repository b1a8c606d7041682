package io.dostorage.volume;

import java.util.List;
import java.util.Optional;

/**
 * What the rules need from DigitalOcean: the volumes of a region, their attachments, the droplets
 * that hold them, and which droplet this is. DigitalOcean is slow, fails on its own and is shared
 * (every droplet of a token spends one rate limit), hence an interface: the rules are tested
 * against a stateful in-memory fake, and {@code io.dostorage.digitalocean}, which alone speaks
 * HTTP, against DigitalOcean's emulator and API description.
 *
 * <p>Every method is idempotent and handles DigitalOcean's "already" answers itself: creating a
 * volume that exists returns it, deleting one that is gone succeeds, attaching a volume to the
 * droplet it is attached to, or detaching it from one it is not attached to, starts nothing. What
 * does not exist is an empty answer. Each method is one DigitalOcean call unless it says otherwise.
 *
 * <p>Failures are {@link CloudException}s, whose message reads as DigitalOcean's own words with the
 * request id DO support asks for: {@link CloudUnavailableException} when asking again later may
 * work, and named ones for the refusals the rules tell apart.
 */
public interface Cloud {

    /** The id of the droplet this plugin runs on; it never changes, so it is asked once. */
    long dropletId();

    /** The region of the droplet this plugin runs on; it never changes, so it is asked once. */
    String region();

    /** The volume of that name in that region (DigitalOcean allows one per region), if any. */
    Optional<DoVolume> find(String name, String region);

    /** Every volume in the region, in as few calls as DigitalOcean allows (pages of 200). */
    List<DoVolume> list(String region);

    /** The volume with DigitalOcean's id {@code id}, if it still exists. */
    Optional<DoVolume> volume(String id);

    /**
     * Creates the volume. When DigitalOcean says it exists already (an earlier attempt reached DO
     * but its answer was lost), the existing one is returned, at the cost of one more call.
     */
    DoVolume create(NewVolume volume);

    /** Deletes the volume; one that is gone already is fine. DigitalOcean refuses while it is attached. */
    void delete(String volumeId);

    /**
     * Asks DigitalOcean to attach the volume (of {@code region}) to the droplet; the action then runs
     * at DigitalOcean ({@link #action}). Empty when the volume is attached to that droplet already.
     *
     * @throws AttachedElsewhereException when another droplet holds it (learnt with one more call)
     * @throws VolumeLimitException when the droplet has as many volumes as DigitalOcean allows
     * @throws DropletBusyException while another action runs on the droplet or the volume
     */
    Optional<CloudAction> attach(String volumeId, String region, long dropletId);

    /**
     * Asks DigitalOcean to detach the volume from the droplet. Empty when it is not attached there.
     *
     * @throws DropletBusyException while another action runs on the droplet or the volume
     */
    Optional<CloudAction> detach(String volumeId, String region, long dropletId);

    /** The action as DigitalOcean reports it now. */
    CloudAction action(long actionId);

    /** The droplet, or empty when DigitalOcean no longer knows it (destroyed). */
    Optional<DoDroplet> droplet(long id);

    /** Tags the volume, creating the tag first (creating a tag that exists is harmless): two calls. */
    void tag(String volumeId, String tag);
}
