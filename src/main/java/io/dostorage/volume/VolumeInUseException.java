package io.dostorage.volume;

/** The operation would take a volume away from someone who still uses it, so it was refused. */
public class VolumeInUseException extends VolumeException {

    public VolumeInUseException(String message) {
        super(message);
    }
}
