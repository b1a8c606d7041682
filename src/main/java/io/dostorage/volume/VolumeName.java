package io.dostorage.volume;

import java.util.regex.Pattern;

/**
 * Checks a volume name against DigitalOcean's rule for volume names, before any path is built
 * from it: "lowercase and composed only of numbers, letters and '-', up to a limit of 64
 * characters; the name must begin with a letter" (DO API v2, volume {@code name}). A name that
 * passes can be neither empty, nor {@code .}/{@code ..}, nor contain {@code /}, so
 * {@code <MOUNT_ROOT>/<name>} always stays inside the mount root.
 */
final class VolumeName {

    static final int MAX_LENGTH = 64;
    private static final Pattern VALID = Pattern.compile("[a-z][a-z0-9-]{0," + (MAX_LENGTH - 1) + "}");
    private static final String RULE = "a volume name is 1 to 64 lowercase letters, digits and '-', "
            + "starting with a letter (DigitalOcean's rule for volume names)";

    private VolumeName() {
    }

    /** Returns {@code name} when it is valid; otherwise throws, saying what is wrong and what is allowed. */
    static String check(String name) {
        if (name == null || name.isEmpty()) {
            throw new InvalidRequestException("missing volume name: " + RULE);
        }
        if (VALID.matcher(name).matches()) {
            return name;
        }
        throw new InvalidRequestException("invalid volume name " + Text.quote(name) + ": " + problem(name) + "; " + RULE);
    }

    private static String problem(String name) {
        if (name.length() > MAX_LENGTH) {
            return "it has " + name.length() + " characters";
        }
        char first = name.charAt(0);
        if (first < 'a' || first > 'z') {
            return "it starts with " + Text.quote(String.valueOf(first));
        }
        for (char c : name.toCharArray()) {
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')) {
                return Text.quote(String.valueOf(c)) + " is not allowed";
            }
        }
        return "it does not match";
    }
}
