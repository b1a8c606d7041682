package io.dostorage.aot;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The calls of the AOT cache's training start ({@code src/main/docker/aot-cache.sh}): the plugin's
 * endpoints in the order dockerd uses them, over the plugin's unix socket with dockerd's headers.
 *
 * <p>An AOT cache (JEP 483) holds the classes that the training JVM loaded and linked, and nothing
 * else. A training start that served no request would leave out the whole request path (HTTP
 * parsing, routing, JSON, the volume rules, SQLite reads), which every real start takes at once:
 * dockerd calls Get for every volume it knows as it starts, and the first Capabilities is the
 * start's end as dockerd sees it.
 *
 * <pre>
 * java -cp quarkus-run.jar io.dostorage.aot.TrainingCalls SOCKET [ROUNDS]
 * </pre>
 *
 * Exits 1 when a call that must succeed does not: the training then stops the image build instead
 * of writing a cache of a plugin that cannot serve.
 */
public final class TrainingCalls {

    private TrainingCalls() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: TrainingCalls SOCKET [ROUNDS]");
            System.exit(2);
        }
        Path socket = Path.of(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        try (Client c = Client.open(socket)) {
            c.ok("Plugin.Activate", "");
            c.ok("VolumeDriver.Capabilities", "{}");
            for (int r = 0; r < rounds; r++) {
                String name = "training-" + r;
                c.ok("VolumeDriver.Create", "{\"Name\":\"" + name + "\",\"Opts\":{\"size\":\"1\",\"subpath\":\"data\"}}");
                c.ok("VolumeDriver.List", "{}");
                c.ok("VolumeDriver.Get", "{\"Name\":\"" + name + "\"}");
                c.ok("VolumeDriver.Path", "{\"Name\":\"" + name + "\"}");
                c.ok("VolumeDriver.Mount", "{\"Name\":\"" + name + "\",\"ID\":\"training-caller\"}");
                for (int i = 0; i < 20; i++) {
                    c.ok("VolumeDriver.Get", "{\"Name\":\"" + name + "\"}");
                    c.ok("VolumeDriver.Path", "{\"Name\":\"" + name + "\"}");
                }
                c.ok("VolumeDriver.Unmount", "{\"Name\":\"" + name + "\",\"ID\":\"training-caller\"}");
                // Answers with an Err: the refusal and error-mapping paths.
                c.err("VolumeDriver.Get", "{\"Name\":\"training-unknown\"}");
                c.err("VolumeDriver.Create", "{\"Name\":\"" + name + "\",\"Opts\":{\"color\":\"red\"}}");
                c.err("VolumeDriver.Mount", "{\"Name\":\"Training\"}");
            }
            c.ok("VolumeDriver.Create", "{\"Name\":\"training-removed\"}");
            c.ok("VolumeDriver.Remove", "{\"Name\":\"training-removed\"}");
            c.ok("VolumeDriver.Capabilities", "{}");
        }
        System.out.println("training calls: " + rounds + " rounds answered");
    }

    /** One kept-alive connection, as dockerd keeps one. */
    static final class Client implements AutoCloseable {
        private final SocketChannel channel;
        private final InputStream in;
        private final OutputStream out;

        private Client(SocketChannel channel) {
            this.channel = channel;
            this.in = new BufferedInputStream(Channels.newInputStream(channel), 8192);
            this.out = Channels.newOutputStream(channel);
        }

        static Client open(Path socket) throws IOException {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
            return new Client(channel);
        }

        void ok(String endpoint, String body) throws IOException {
            String answer = post(endpoint, body);
            if (!answer.startsWith("200 ") || answer.matches("(?s).*\"Err\"\\s*:\\s*\"[^\"]+\".*")) {
                fail(endpoint + " " + body + " answered " + answer);
            }
        }

        void err(String endpoint, String body) throws IOException {
            String answer = post(endpoint, body);
            if (!answer.matches("(?s).*\"Err\"\\s*:\\s*\"[^\"]+\".*")) {
                fail(endpoint + " " + body + " should have been refused, answered " + answer);
            }
        }

        private static void fail(String message) {
            System.err.println("training calls: " + message);
            System.exit(1);
        }

        /** The answer's status code, a space and its body. */
        String post(String endpoint, String body) throws IOException {
            byte[] content = body.getBytes(StandardCharsets.UTF_8);
            String head = "POST /" + endpoint + " HTTP/1.1\r\nHost: \r\nUser-Agent: Go-http-client/1.1\r\n"
                    + "Content-Length: " + content.length + "\r\nAccept: application/vnd.docker.plugins.v1.2+json\r\n"
                    + "Accept-Encoding: gzip\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(content);
            out.flush();
            String status = line();
            int length = 0;
            boolean chunked = false;
            for (String l = line(); !l.isEmpty(); l = line()) {
                String lower = l.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Integer.parseInt(lower.substring(15).trim());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                }
            }
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            if (chunked) {
                for (int size = Integer.parseInt(line().trim(), 16); size > 0; size = Integer.parseInt(line().trim(), 16)) {
                    answer.write(in.readNBytes(size));
                    line();
                }
                line();
            } else {
                answer.write(in.readNBytes(length));
            }
            String[] statusLine = status.split(" ", 3);
            return (statusLine.length > 1 ? statusLine[1] : status) + " " + answer.toString(StandardCharsets.UTF_8);
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new IOException("connection closed by the plugin");
                }
                if (c != '\r') {
                    sb.append((char) c);
                }
            }
            return sb.toString();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
