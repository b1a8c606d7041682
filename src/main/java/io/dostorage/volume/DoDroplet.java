package io.dostorage.volume;

import java.util.List;

/**
 * A droplet as the takeover policy needs it.
 *
 * @param status DO's status: {@code new}, {@code active}, {@code off} or {@code archive}
 */
public record DoDroplet(long id, String name, String status, String region, List<String> volumeIds) {

    public DoDroplet {
        volumeIds = volumeIds == null ? List.of() : List.copyOf(volumeIds);
    }

    public boolean isActive() {
        return "active".equals(status);
    }
}
