package io.dostorage.volume;

/**
 * DigitalOcean refused a call, failed it, or could not be asked. The message reads as DO's own
 * words and the request id DO support asks for (when DO gave one); it never contains the access
 * token. The rules add what they were doing, once: "mounting volume pgdata: ...".
 */
public class CloudException extends RuntimeException {

    private final String requestId;

    public CloudException(String message, String requestId, Throwable cause) {
        super(message, cause);
        this.requestId = requestId;
    }

    public CloudException(String message) {
        this(message, null, null);
    }

    /** DigitalOcean's id of the failed request, or null when there was none. */
    public String requestId() {
        return requestId;
    }
}
