package io.dostorage.volume;

/** Another operation on the same volume took longer than the lock timeout; nothing was changed. */
public class VolumeBusyException extends VolumeException {

    public VolumeBusyException(String message) {
        super(message);
    }
}
