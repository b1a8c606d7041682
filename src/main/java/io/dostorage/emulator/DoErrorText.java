package io.dostorage.emulator;

/**
 * What the emulator says in the {@code message} of an error, as DigitalOcean words it. This is the
 * emulator's own copy, kept apart from the client's ({@code io.dostorage.digitalocean}), so that a
 * test comparing the two checks the client against what DO says rather than against itself. Where
 * each text comes from:
 * <ul>
 *   <li>{@link #NOT_FOUND}, {@link #UNAUTHORIZED}: the example error bodies of DigitalOcean's OpenAPI
 *       description ({@code src/test/resources/do-api/do-openapi.volumes.yaml}, responses
 *       {@code not_found} and {@code unauthorized});</li>
 *   <li>{@link #ALREADY_ATTACHED}, {@link #ATTACHMENT_NOT_FOUND}, {@link #PENDING_EVENT}: the words
 *       DigitalOcean's CSI driver (digitalocean/csi-digitalocean, {@code driver/controller.go}) matches
 *       in DO's 422 answers to volume actions; the API description gives no text for them;</li>
 *   <li>{@link #VOLUME_LIMIT}: no public source gives DO's text (the API description only says a
 *       droplet takes at most 15 volumes); the emulator's wording, shared with the client's match.</li>
 * </ul>
 */
final class DoErrorText {

    static final String ALREADY_ATTACHED = "This volume is already attached";

    static final String ATTACHMENT_NOT_FOUND = "Attachment not found";

    static final String PENDING_EVENT = "Droplet already has a pending event";

    /** Part of the emulator's 422 when a droplet has its volume limit: "Droplet 1001 already has the maximum ...". */
    static final String VOLUME_LIMIT = "maximum number of volumes";

    static final String UNAUTHORIZED = "Unable to authenticate you.";

    static final String NOT_FOUND = "The resource you were accessing could not be found.";

    private DoErrorText() {
    }
}
