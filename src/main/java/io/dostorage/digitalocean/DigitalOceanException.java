package io.dostorage.digitalocean;

import java.util.Locale;

/**
 * DigitalOcean answered a call with an error status. Thrown by {@link DoCalls} and read only in
 * this package: {@link DigitalOcean} turns it into the rules' errors at its edge. The message reads
 * as DO's own words plus the request id DO support asks for; it never contains the access token.
 */
class DigitalOceanException extends RuntimeException {

    private final int status;
    private final String errorId;
    private final String requestId;

    DigitalOceanException(int status, String errorId, String message, String requestId) {
        super(message);
        this.status = status;
        this.errorId = errorId;
        this.requestId = requestId;
    }

    /** The HTTP status of DigitalOcean's answer. */
    int status() {
        return status;
    }

    boolean isNotFound() {
        return status == 404;
    }

    /** A 422 whose message contains {@code text} (one of {@link DoErrorText}), in any case. */
    boolean isUnprocessable(String text) {
        return status == 422 && getMessage() != null
                && getMessage().toLowerCase(Locale.ROOT).contains(text.toLowerCase(Locale.ROOT));
    }

    /** DigitalOcean's short name of the error ({@code not_found}, {@code unprocessable_entity}), or null. */
    String errorId() {
        return errorId;
    }

    String requestId() {
        return requestId;
    }
}
