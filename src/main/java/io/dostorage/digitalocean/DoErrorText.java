package io.dostorage.digitalocean;

/**
 * The texts DigitalOcean puts in the {@code message} of an error, for the cases the plugin must
 * tell apart. The API gives no machine-readable code for them (the {@code id} of a 422 is just
 * {@code unprocessable_entity}), so they are matched by these words, in this one place, and
 * {@link DigitalOcean} turns them into the rules' named errors. The emulator keeps its own copy of
 * what DO says, with its sources; a test holds the two together.
 */
final class DoErrorText {

    /** 422 on attach when the volume is already attached (to this droplet or another); used by DigitalOcean's CSI driver. */
    static final String ALREADY_ATTACHED = "This volume is already attached";

    /** 422 on detach when the volume is not attached to that droplet; used by DigitalOcean's CSI driver. */
    static final String ATTACHMENT_NOT_FOUND = "Attachment not found";

    /** 422 on attach or detach while another action runs on the droplet; used by DigitalOcean's CSI driver. */
    static final String PENDING_EVENT = "Droplet already has a pending event";

    /**
     * 422 on attach when the droplet has as many volumes as DigitalOcean allows (15 since August
     * 2024, per DigitalOcean's API description). DigitalOcean's CSI driver matches two wordings: "cannot
     * attach more volumes to the Droplet", DO's since mid-2024, and "cannot attach more than 7 volumes
     * to a single Droplet", from while the limit was 7 (digitalocean/csi-digitalocean#573). Both start
     * with these words, so one match serves either.
     */
    static final String VOLUME_LIMIT = "cannot attach more";

    private DoErrorText() {
    }
}
