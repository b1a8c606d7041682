package io.dostorage.state;

/** The local state (the SQLite file or its folder) could not be read or written. */
public class StateException extends RuntimeException {

    public StateException(String message) {
        super(message);
    }

    public StateException(String message, Throwable cause) {
        super(message, cause);
    }
}
