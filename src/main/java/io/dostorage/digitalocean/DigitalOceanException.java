package io.dostorage.digitalocean;

import java.util.Locale;

/**
 * DigitalOcean refused a call, or could not be reached. The message reads as DO's own words plus
 * the request id DO support asks for; it never contains the access token.
 */
public class DigitalOceanException extends RuntimeException {

    private final int status;
    private final String errorId;
    private final String requestId;

    public DigitalOceanException(int status, String errorId, String message, String requestId) {
        super(message);
        this.status = status;
        this.errorId = errorId;
        this.requestId = requestId;
    }

    DigitalOceanException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
        this.errorId = null;
        this.requestId = null;
    }

    /** The HTTP status; 0 when DO could not be reached at all. */
    public int status() {
        return status;
    }

    public boolean isNotFound() {
        return status == 404;
    }

    /** A 422 whose message contains {@code text} (one of {@link DoErrorText}). */
    public boolean isUnprocessable(String text) {
        return status == 422 && getMessage() != null
                && getMessage().toLowerCase(Locale.ROOT).contains(text.toLowerCase(Locale.ROOT));
    }

    public String errorId() {
        return errorId;
    }

    public String requestId() {
        return requestId;
    }
}
