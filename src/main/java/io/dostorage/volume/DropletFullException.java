package io.dostorage.volume;

import java.util.List;

/**
 * A Mount refused at once because this droplet has as many volumes attached as DigitalOcean allows:
 * waiting or asking again would not help until one of them is detached. The message names the limit and
 * the volumes attached, so the user knows which container to stop.
 */
public class DropletFullException extends VolumeException {

    /**
     * DigitalOcean's limit of volumes attached to one droplet, per its API description ("up to fifteen
     * volumes may be attached to a Droplet at a time"; seven until August 2024). Only for the message:
     * DigitalOcean enforces it, and its refusal is what counts.
     */
    static final int DO_LIMIT = 15;

    DropletFullException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * The refusal of a Mount of {@code volume} on {@code droplet}, naming the volumes attached there.
     * Learning their names costs one call more ({@link Cloud#list}, one page up to 200 volumes of the
     * region), made only on this path; when it fails, the message says DigitalOcean's words instead.
     */
    static DropletFullException explained(Cloud cloud, String volume, long droplet, String region,
                                          VolumeLimitException refusal) {
        String doing = "mounting volume " + volume + " on droplet " + droplet + ": ";
        String advice = "; unmount one of them (stop its containers) first";
        List<String> attached;
        try {
            attached = cloud.list(region).stream().filter(v -> v.isAttachedTo(droplet)).map(DoVolume::name).toList();
        } catch (CloudException e) {
            attached = List.of();
        }
        if (attached.isEmpty()) {
            return new DropletFullException(doing + "droplet " + droplet + " has as many volumes attached as DigitalOcean "
                    + "allows per droplet (" + DO_LIMIT + "): " + refusal.getMessage() + advice.replace("them", "its volumes"),
                    refusal);
        }
        return new DropletFullException(doing + "droplet " + droplet + " has " + attached.size()
                + " volumes attached, DigitalOcean's limit per droplet: " + String.join(", ", attached) + advice, refusal);
    }
}
