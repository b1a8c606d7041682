package io.dostorage.emulator;

/**
 * What the emulator says in the {@code message} of an error, as DigitalOcean words it. This is the
 * emulator's own copy, kept apart from the client's ({@code io.dostorage.digitalocean}), so that a
 * test comparing the two checks the client against what DO says rather than against itself. Where
 * each text comes from ("the description" is DO's OpenAPI description,
 * {@code src/test/resources/do-api/do-openapi.volumes.yaml}):
 * <ul>
 *   <li>{@link #UNAUTHORIZED}, {@link #SERVER_ERROR}, {@link #PARSE_ERROR}: the example bodies of the
 *       description's {@code unauthorized}, {@code server_error} and {@code bad_request} answers;</li>
 *   <li>{@link #NOT_FOUND}: the example of {@code message} in every error schema of the description,
 *       and DO's answers quoted in public issue reports (digitalocean/droplet_kit#94,
 *       digitalocean/doctl#1106); the example body of the description's {@code not_found} answer
 *       words it "The resource you requested could not be found.";</li>
 *   <li>{@link #RATE_LIMITED}: DO's answers as quoted in public issue reports (e.g.
 *       digitalocean/terraform-provider-digitalocean#546, "429 API Rate limit exceeded"); the
 *       description's {@code too_many_requests} example writes "rate" in lowercase;</li>
 *   <li>{@link #ATTACHED_VOLUME}: DO's 409 to deleting an attached volume as quoted in 2017 issue
 *       reports (digitalocean/terraform-provider-digitalocean#22, #27); later reports quote "attached
 *       volume cannot be deleted" (digitalocean/doctl#358); the description gives no text;</li>
 *   <li>{@link #ALREADY_ATTACHED}, {@link #ATTACHMENT_NOT_FOUND}, {@link #PENDING_EVENT}: the words
 *       DigitalOcean's CSI driver (digitalocean/csi-digitalocean, {@code driver/controller.go}) matches
 *       in DO's 422 answers to volume actions; the description gives no text for them;</li>
 *   <li>{@link #VOLUME_LIMIT}: the words DigitalOcean's CSI driver matches in DO's 422 to an attach
 *       beyond the droplet's limit since mid-2024 (digitalocean/csi-digitalocean#573); the description
 *       says only that a droplet takes at most fifteen volumes. DO's whole message may say more; the
 *       emulator says just these words.</li>
 * </ul>
 * The other messages of the emulator (its 422s for a bad name, size or region, the texts of 502, 503
 * and 504) are its own words: nothing matches them.
 */
final class DoErrorText {

    static final String ALREADY_ATTACHED = "This volume is already attached";

    static final String ATTACHMENT_NOT_FOUND = "Attachment not found";

    static final String PENDING_EVENT = "Droplet already has a pending event";

    /** The emulator's 422 to an attach when the droplet has its volume limit. */
    static final String VOLUME_LIMIT = "cannot attach more volumes to the Droplet";

    static final String ATTACHED_VOLUME = "A volume that's attached to a Droplet cannot be deleted. "
            + "Please detach it first before deleting.";

    static final String UNAUTHORIZED = "Unable to authenticate you.";

    static final String NOT_FOUND = "The resource you were accessing could not be found.";

    static final String RATE_LIMITED = "API Rate limit exceeded.";

    static final String SERVER_ERROR = "Unexpected server-side error";

    static final String PARSE_ERROR = "error parsing request body";

    private DoErrorText() {
    }
}
