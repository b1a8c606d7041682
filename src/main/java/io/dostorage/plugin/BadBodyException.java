package io.dostorage.plugin;

/**
 * A request body that is not the JSON its endpoint takes; answered 400 with an {@code Err} by
 * {@link ErrorMappers}, which puts the endpoint and an example before and after the message.
 */
class BadBodyException extends RuntimeException {

    /** @param problem continues "request body of /VolumeDriver.Create ...", such as "is not valid JSON (...)" */
    BadBodyException(String problem) {
        super(problem);
    }
}
