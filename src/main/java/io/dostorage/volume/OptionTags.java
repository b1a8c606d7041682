package io.dostorage.volume;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Carries a volume's own options in its DigitalOcean tags, so that they follow the volume to every
 * droplet: a container that moves must find its sub-folder and its policies on the next node too,
 * even when nobody runs {@code docker volume create} there. A tag reads
 * {@code dostorage-opt:<option>:<value>}; DigitalOcean allows only letters, digits, '_', '-' and ':'
 * in a tag (API v2, tag name), so any other character of a value is written {@code _hh} (hex), and
 * '_' itself {@code _5f}.
 */
final class OptionTags {

    static final String PREFIX = "dostorage-opt:";
    /**
     * The options that shape how a volume is used on every node; size and description live in DO's own
     * fields. The owner options travel too: the droplet that formats a volume may not be the one it was
     * created on.
     */
    static final List<String> CARRIED = List.of(VolumeOptions.FSTYPE, VolumeOptions.SUBPATH, VolumeOptions.TAKEOVER,
            VolumeOptions.REMOVE, VolumeOptions.MOUNTOPTS, VolumeOptions.UID, VolumeOptions.GID, VolumeOptions.MODE);
    /** DigitalOcean's limit on a tag's length. */
    static final int MAX_TAG_LENGTH = 255;

    private OptionTags() {
    }

    static List<String> encode(Map<String, String> options) {
        return CARRIED.stream().filter(options::containsKey)
                .map(key -> PREFIX + key + ":" + escape(options.get(key))).toList();
    }

    /** The carried options found in the tags; tags that are not ours, or not valid, are left out. */
    static Map<String, String> decode(List<String> tags) {
        Map<String, String> options = new TreeMap<>();
        for (String tag : tags) {
            if (!tag.startsWith(PREFIX)) {
                continue;
            }
            String rest = tag.substring(PREFIX.length());
            int colon = rest.indexOf(':');
            if (colon < 0 || !CARRIED.contains(rest.substring(0, colon))) {
                continue;
            }
            try {
                String key = rest.substring(0, colon);
                options.putAll(VolumeOptions.check(new HashMap<>(Map.of(key, unescape(rest.substring(colon + 1))))));
            } catch (InvalidRequestException | IllegalArgumentException e) {
                // a tag someone edited by hand: the option falls back to its default
            }
        }
        return options;
    }

    private static String escape(String value) {
        StringBuilder out = new StringBuilder();
        for (char c : value.toCharArray()) {
            if (c < 0x80 && (Character.isLetterOrDigit(c) || c == '-')) {
                out.append(c);
            } else {
                out.append(String.format("_%02x", (int) c));
            }
        }
        return out.toString();
    }

    private static String unescape(String value) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '_') {
                out.append((char) Integer.parseInt(value.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
