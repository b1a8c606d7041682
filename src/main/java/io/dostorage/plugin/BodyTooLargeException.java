package io.dostorage.plugin;

/** A request body longer than {@link BodyLimit#MAX_BYTES}; answered 413 with an {@code Err}. */
class BodyTooLargeException extends RuntimeException {

    /** @param size what is known of the body's size, such as "more than 65536 bytes" */
    BodyTooLargeException(String size) {
        super(size);
    }
}
