package io.dostorage.volume;

/**
 * A volume operation failed. The message is written for the person at the Docker command line,
 * who sees it as {@code <command> <volume>: <plugin>: <message>}: it says what failed and why,
 * and for bad input, what is allowed.
 */
public class VolumeException extends RuntimeException {

    public VolumeException(String message) {
        super(message);
    }

    public VolumeException(String message, Throwable cause) {
        super(message, cause);
    }
}
