package io.dostorage.volume;

/** The request contradicts what the volume already is (for example, another size); nothing was changed. */
public class VolumeConflictException extends VolumeException {

    public VolumeConflictException(String message) {
        super(message);
    }
}
