package io.dostorage.emulator;

import java.util.List;
import java.util.Map;

/**
 * Checks DigitalOcean API traffic against a contract (in tests: DO's own OpenAPI description).
 * Each method answers the violations it found, empty when the exchange is allowed. The emulator
 * calls {@link #request} before it handles a request and {@link #response} before it sends the
 * answer; implementations must be safe to call from several threads at once.
 */
public interface ContractCheck {

    List<String> request(String method, String pathAndQuery, Map<String, List<String>> headers, String body);

    List<String> response(String method, String pathAndQuery, int status, Map<String, List<String>> headers,
                          String body);

    /**
     * The query parameters of {@code pathAndQuery}, decoded, as the emulator itself reads them: in
     * order, a parameter given twice keeps both values.
     */
    static Map<String, List<String>> queryParameters(String pathAndQuery) {
        int q = pathAndQuery.indexOf('?');
        return Exchanges.query(q < 0 ? "" : pathAndQuery.substring(q + 1));
    }
}
