package io.dostorage.emulator;

/** The emulator could not make, change or remove the device of a volume (a backing file, link or loop device). */
public final class DeviceException extends RuntimeException {

    DeviceException(String message) {
        super(message);
    }

    DeviceException(String message, Throwable cause) {
        super(message, cause);
    }
}
