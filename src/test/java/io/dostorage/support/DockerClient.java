package io.dostorage.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Speaks to the plugin's unix socket byte for byte as dockerd 20.10 does: one kept-alive
 * connection, Go's header order, an empty {@code Host}, no {@code Content-Type}, Docker's plugin
 * {@code Accept} type, and JSON bodies that end in a newline (Go's json.Encoder).
 */
public final class DockerClient implements Closeable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final SocketChannel channel;
    private final InputStream in;
    private final OutputStream out;

    private DockerClient(SocketChannel channel) {
        this.channel = channel;
        this.in = Channels.newInputStream(channel);
        this.out = Channels.newOutputStream(channel);
    }

    public static DockerClient connect(Path socket) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        return new DockerClient(channel);
    }

    /** POSTs {@code body} (null: an empty body, as dockerd sends to /Plugin.Activate) to {@code /<endpoint>}. */
    public Reply post(String endpoint, String body) {
        byte[] content = body == null ? new byte[0] : (body + "\n").getBytes(StandardCharsets.UTF_8);
        String head = "POST /" + endpoint + " HTTP/1.1\r\n"
                + "Host: \r\n"
                + "User-Agent: Go-http-client/1.1\r\n"
                + "Content-Length: " + content.length + "\r\n"
                + "Accept: application/vnd.docker.plugins.v1.2+json\r\n"
                + "Accept-Encoding: gzip\r\n"
                + "\r\n";
        try {
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(content);
            out.flush();
            return read();
        } catch (IOException e) {
            throw new UncheckedIOException("POST /" + endpoint, e);
        }
    }

    /**
     * POSTs as {@link #post} does, but gives up as dockerd does when its client timeout passes: closes
     * the connection after {@code hangUpAfter} unless the answer came first. Empty when it hung up.
     */
    public Optional<Reply> post(String endpoint, String body, Duration hangUpAfter) {
        Thread hangUp = new Thread(() -> {
            try {
                Thread.sleep(hangUpAfter.toMillis());
                channel.close();
            } catch (InterruptedException | IOException e) {
                // answered in time
            }
        }, "hang-up");
        hangUp.setDaemon(true);
        hangUp.start();
        try {
            return Optional.of(post(endpoint, body));
        } catch (UncheckedIOException e) {
            if (channel.isOpen()) {
                throw e;
            }
            return Optional.empty();
        } finally {
            hangUp.interrupt();
        }
    }

    private Reply read() throws IOException {
        String statusLine = line();
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new TreeMap<>();
        for (String line = line(); !line.isEmpty(); line = line()) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            for (int size = Integer.parseInt(line().trim(), 16); size > 0; size = Integer.parseInt(line().trim(), 16)) {
                body.write(in.readNBytes(size));
                line();
            }
            line();
        } else {
            body.write(in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0"))));
        }
        return new Reply(status, headers, body.toString(StandardCharsets.UTF_8));
    }

    private String line() throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed by the plugin");
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** One answer of the plugin. */
    public record Reply(int status, Map<String, String> headers, String body) {

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("answer is not JSON: " + body, e);
            }
        }

        /** The {@code Err} of the answer; "" when there is none. */
        public String err() {
            JsonNode err = json().get("Err");
            return err == null ? "" : err.asText();
        }
    }
}
