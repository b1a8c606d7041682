package io.dostorage.volume;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What {@code docker volume rm} does to the DigitalOcean volume once the plugin has released it.
 * A DigitalOcean volume outlives any droplet and holds the user's data, so the default deletes only
 * what the plugin made itself (tagged {@code dostorage:created} when it was created).
 */
enum RemovePolicy {

    /** Never delete: the volume stays in DigitalOcean; only this node forgets it. */
    KEEP,
    /** Delete the DigitalOcean volume, whoever created it. */
    DELETE,
    /** Delete it only if this plugin created it; keep a volume the user brought. */
    DELETE_CREATED;

    /** The words a setting or an option may give, in this order: keep, delete, delete-created. */
    static List<String> words() {
        return Arrays.stream(values()).map(RemovePolicy::word).toList();
    }

    static RemovePolicy parse(String value) {
        return Arrays.stream(values()).filter(p -> p.word().equals(value)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(value));
    }

    String word() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Whether a volume is deleted in DigitalOcean; {@code createdHere}: this plugin created it. */
    boolean deletes(boolean createdHere) {
        return this == DELETE || this == DELETE_CREATED && createdHere;
    }
}
