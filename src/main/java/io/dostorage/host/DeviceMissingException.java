package io.dostorage.host;

/**
 * A volume's device did not appear on this node in time: most likely the volume is not attached here
 * (or the attachment has not reached the kernel yet). Nothing was changed.
 */
public class DeviceMissingException extends HostException {

    DeviceMissingException(String message) {
        super(message);
    }
}
