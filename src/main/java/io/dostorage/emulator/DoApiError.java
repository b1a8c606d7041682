package io.dostorage.emulator;


/**
 * An error answer of the emulated API, in DigitalOcean's shape: HTTP status, the short {@code id}
 * (DO derives it from the status, e.g. {@code not_found}, {@code unprocessable_entity}) and a message.
 */
final class DoApiError extends RuntimeException {

    private final int status;
    private final String id;

    DoApiError(int status, String id, String message) {
        super(message);
        this.status = status;
        this.id = id;
    }

    int status() {
        return status;
    }

    String id() {
        return id;
    }

    static DoApiError badRequest(String message) {
        return new DoApiError(400, "bad_request", message);
    }

    static DoApiError notFound() {
        return new DoApiError(404, "not_found", DoErrorText.NOT_FOUND);
    }

    static DoApiError unprocessable(String message) {
        return new DoApiError(422, "unprocessable_entity", message);
    }

    static DoApiError conflict(String message) {
        return new DoApiError(409, "conflict", message);
    }
}
