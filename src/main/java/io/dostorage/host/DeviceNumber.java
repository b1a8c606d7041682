package io.dostorage.host;

/**
 * A device number, {@code major:minor}: what identifies a block device to the kernel, whatever its
 * path, and what mountinfo's third field holds for a filesystem on a block device.
 */
record DeviceNumber(int major, int minor) {

    /**
     * Decodes a Linux {@code dev_t} ({@code st_rdev}) the way glibc's {@code gnu_dev_major} and
     * {@code gnu_dev_minor} do (sys/sysmacros.h): the major number is bits 8-19 and 32-43, the minor
     * number bits 0-7 and 20-31 (the old 8:8 layout extended without moving the old bits).
     */
    static DeviceNumber decode(long rdev) {
        long major = ((rdev >>> 8) & 0xfffL) | ((rdev >>> 32) & ~0xfffL);
        long minor = (rdev & 0xffL) | ((rdev >>> 12) & ~0xffL);
        return new DeviceNumber((int) major, (int) minor);
    }

    boolean isOf(MountEntry entry) {
        return major == entry.major() && minor == entry.minor();
    }

    @Override
    public String toString() {
        return major + ":" + minor;
    }
}
