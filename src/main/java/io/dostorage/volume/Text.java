package io.dostorage.volume;

/** Quoting of user input inside messages: bounded in length, control characters made visible. */
final class Text {

    private static final int MAX_SHOWN = 80;

    private Text() {
    }

    static String quote(String value) {
        StringBuilder out = new StringBuilder("\"");
        int shown = Math.min(value.length(), MAX_SHOWN);
        for (int i = 0; i < shown; i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\u%04x", (int) c));
            } else if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else {
                out.append(c);
            }
        }
        if (value.length() > MAX_SHOWN) {
            out.append("...");
        }
        return out.append('"').toString();
    }
}
