package io.dostorage.host;

/**
 * The check of a volume's filesystem before it is mounted did not pass: {@code e2fsck -p} found errors
 * it may not repair without a person, or could not check the filesystem at all. It was not mounted; the
 * message names the command to run by hand on this droplet.
 */
public class FilesystemCheckFailedException extends HostException {

    FilesystemCheckFailedException(String message) {
        super(message);
    }

    FilesystemCheckFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
