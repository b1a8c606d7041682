package io.dostorage.volume;

import io.dostorage.deadline.Deadline;
import io.dostorage.deadline.DeadlineException;
import io.dostorage.support.FakeCloud;
import io.dostorage.support.FakeVolumeHost;
import io.dostorage.support.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How an attach or detach is waited for: DO's action status, the disk's arrival, "pending event", the request's deadline. */
class ActionWaitTest {

    private static final String REGION = "nyc1";
    private static final long ME = 1001;

    @TempDir
    Path folder;

    private final FakeCloud cloud = new FakeCloud(Duration.ofMillis(100)).addDroplet(ME, REGION);

    @Test
    void aDiskThatWasThereBeforeTheAttachIsNotTrusted() {
        DoVolume volume = cloud.at(ME).create(new NewVolume("stale-disk", 1, REGION, null, null, List.of()));
        cloud.resetCalls();

        // The host sees the disk all along, as when udev's removal after a detach lags.
        DoVolume attached = waiting(FakeVolumeHost.withDisks(name -> true)).attachHere(volume, Deadline.none());

        assertTrue(attached.isAttachedTo(ME));
        assertTrue(cloud.calls().getOrDefault(FakeCloud.ACTION, 0) >= 1, "waited for DO to say completed: " + cloud.calls());
        assertEquals(List.of(ME), cloud.volume("stale-disk", REGION).orElseThrow().dropletIds());
    }

    @Test
    void anErroredActionSaysWhichAndWhen() {
        DoVolume volume = cloud.at(ME).create(new NewVolume("errored", 1, REGION, null, null, List.of()));
        cloud.erroredActions(1);

        CloudException e = assertThrows(CloudException.class,
                () -> waiting(FakeVolumeHost.seeing(cloud, ME)).attachHere(volume, Deadline.none()));

        assertTrue(e.getMessage().matches("DigitalOcean action \\d+ \\(attach_volume of volume errored, started .*\\) "
                + "ended with status errored"), e.getMessage());
        assertEquals(List.of(), cloud.volume("errored", REGION).orElseThrow().dropletIds());
    }

    @Test
    void aPendingEventOnTheDropletIsWaitedOut() {
        DoVolume first = cloud.at(ME).create(new NewVolume("first", 1, REGION, null, null, List.of()));
        DoVolume second = cloud.at(ME).create(new NewVolume("second", 1, REGION, null, null, List.of()));
        ActionWait actions = waiting(new FakeVolumeHost());
        cloud.at(ME).attach(first.id(), REGION, ME).orElseThrow();
        cloud.resetCalls();

        actions.attachHere(second, Deadline.none());

        assertEquals(List.of(ME), cloud.volume("second", REGION).orElseThrow().dropletIds());
        assertTrue(cloud.calls().get(FakeCloud.ACTIONS) >= 2, "refused while the first attach ran: " + cloud.calls());
    }

    @Test
    void aRequestWhoseCallerLeftStopsWaitingAtOnceAndTheActionGoesOn() {
        DoVolume volume = cloud.at(ME).create(new NewVolume("left", 1, REGION, null, null, List.of()));
        ScheduledExecutorService caller = Executors.newSingleThreadScheduledExecutor();
        try {
            Deadline call = Deadline.after(Duration.ofSeconds(55));
            caller.schedule(() -> call.cancel("the caller hung up"), 30, TimeUnit.MILLISECONDS);
            long start = System.nanoTime();

            DeadlineException e = assertThrows(DeadlineException.class,
                    () -> waitingSlowly(new FakeVolumeHost()).attachHere(volume, call));

            assertTrue(e.abandoned(), e.getMessage());
            assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 500, "stopped at once, not at the next poll");
            assertEquals(1, cloud.calls().get(FakeCloud.ACTIONS), "the attach was asked for, once");
        } finally {
            caller.shutdownNow();
        }
    }

    private ActionWait waiting(FakeVolumeHost host) {
        return new ActionWait(cloud.at(ME), host, TestConfig.with(folder, Map.of(
                "dostorage.digitalocean.action-poll-initial", "10ms",
                "dostorage.digitalocean.action-poll-max", "50ms")).digitalocean());
    }

    private ActionWait waitingSlowly(FakeVolumeHost host) {
        return new ActionWait(cloud.at(ME), host, TestConfig.with(folder, Map.of(
                "dostorage.digitalocean.action-poll-initial", "5s",
                "dostorage.digitalocean.action-poll-max", "5s")).digitalocean());
    }
}
