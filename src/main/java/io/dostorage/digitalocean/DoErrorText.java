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
     * 2024, per DigitalOcean's API description). The exact public text is not known to us; matched
     * by this phrase.
     */
    static final String VOLUME_LIMIT = "maximum number of volumes";

    private DoErrorText() {
    }
}
