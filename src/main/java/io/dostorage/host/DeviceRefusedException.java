package io.dostorage.host;

/**
 * A volume's device holds something that is neither blank nor a filesystem on the whole device (a
 * partition table, swap, an encrypted or RAID member, colliding signatures). It was neither formatted
 * nor mounted, and was not written to: a person must decide what it is.
 */
public class DeviceRefusedException extends HostException {

    DeviceRefusedException(String message) {
        super(message);
    }
}
