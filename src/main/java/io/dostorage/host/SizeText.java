package io.dostorage.host;

import java.util.Locale;

/** Sizes as people read them in a log line or {@code docker volume inspect}: {@code 512.0 MiB}, {@code 9.8 GiB}, {@code 1.5 TiB}. */
final class SizeText {

    private static final long KIB = 1024;
    private static final long MIB = KIB * 1024;
    private static final long GIB = MIB * 1024;
    private static final long TIB = GIB * 1024;

    private SizeText() {
    }

    static String of(long bytes) {
        if (bytes >= TIB) {
            return String.format(Locale.ROOT, "%.1f TiB", bytes / (double) TIB);
        }
        if (bytes >= GIB) {
            return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) GIB);
        }
        if (bytes >= MIB) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) MIB);
        }
        return bytes >= KIB ? String.format(Locale.ROOT, "%.1f KiB", bytes / (double) KIB) : bytes + " bytes";
    }
}
