package io.dostorage.emulator;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The region slugs DO's API description allows for volumes (its {@code region} enum), with their
 * display names, and the region object DO embeds in volumes, droplets and actions.
 */
final class Regions {

    private static final Map<String, String> NAMES = new LinkedHashMap<>();

    static {
        NAMES.put("ams1", "Amsterdam 1");
        NAMES.put("ams2", "Amsterdam 2");
        NAMES.put("ams3", "Amsterdam 3");
        NAMES.put("blr1", "Bangalore 1");
        NAMES.put("fra1", "Frankfurt 1");
        NAMES.put("lon1", "London 1");
        NAMES.put("nyc1", "New York 1");
        NAMES.put("nyc2", "New York 2");
        NAMES.put("nyc3", "New York 3");
        NAMES.put("sfo1", "San Francisco 1");
        NAMES.put("sfo2", "San Francisco 2");
        NAMES.put("sfo3", "San Francisco 3");
        NAMES.put("sgp1", "Singapore 1");
        NAMES.put("tor1", "Toronto 1");
        NAMES.put("syd1", "Sydney 1");
    }

    /** Droplet sizes a region offers, as DO's examples list them. */
    static final List<String> SIZES = List.of("s-1vcpu-1gb", "s-1vcpu-2gb", "s-2vcpu-2gb", "s-2vcpu-4gb",
            "s-4vcpu-8gb", "s-8vcpu-16gb");

    static final List<String> FEATURES = List.of("private_networking", "backups", "ipv6", "metadata", "storage");

    private Regions() {
    }

    static boolean known(String slug) {
        return slug != null && NAMES.containsKey(slug);
    }

    static String name(String slug) {
        return NAMES.getOrDefault(slug, slug);
    }

    static Set<String> slugs() {
        return NAMES.keySet();
    }
}
