package io.dostorage.volume;

/** The request itself is wrong (a name, an option, a missing field); nothing was changed. */
public class InvalidRequestException extends VolumeException {

    public InvalidRequestException(String message) {
        super(message);
    }
}
