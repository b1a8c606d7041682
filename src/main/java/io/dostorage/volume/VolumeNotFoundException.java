package io.dostorage.volume;

/** No volume of that name is known. dockerd relies on this answer to Get before it calls Create. */
public class VolumeNotFoundException extends VolumeException {

    public VolumeNotFoundException(String name) {
        super("volume " + name + " not found");
    }

    /** @param why what follows "volume NAME" in the message, in the words the caller should read */
    public VolumeNotFoundException(String name, String why) {
        super("volume " + name + " " + why);
    }
}
