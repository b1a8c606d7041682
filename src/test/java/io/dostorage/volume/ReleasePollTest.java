package io.dostorage.volume;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How often a Mount asks DigitalOcean whether another droplet has let go of a volume. */
class ReleasePollTest {

    private static final Duration WAIT = Duration.ofSeconds(40);

    @Test
    void aReleaseIsSeenAtMostAQuarterOfTheTimeWaitedLate() {
        for (long releasedAtMillis : new long[] {300, 1200, 2100, 3700, 9000}) {
            long seen = 0;
            while (seen < releasedAtMillis) {
                seen += Attachments.releasePoll(Duration.ofMillis(seen), WAIT).toMillis();
            }
            long late = seen - releasedAtMillis;
            assertTrue(late <= Math.max(250, releasedAtMillis / 3), "released at " + releasedAtMillis + " ms, seen " + late + " ms late");
            if (releasedAtMillis <= 2100) {
                assertTrue(late <= 700, "a moved service's release, seen " + late + " ms late");
            }
        }
    }

    @Test
    void aHolderThatKeepsTheVolumeCostsAboutThirtyCallsOverTheWholeWait() {
        for (Duration wait : new Duration[] {Duration.ofSeconds(10), WAIT, Duration.ofMinutes(2)}) {
            long waited = 0;
            int polls = 0;
            Duration poll;
            while (!(poll = Attachments.releasePoll(Duration.ofMillis(waited), wait)).isZero()) {
                waited += poll.toMillis();
                polls++;
                assertTrue(poll.compareTo(Attachments.LAST_RELEASE_POLL) <= 0, "at most every 2 s: " + poll);
            }
            long steady = wait.toMillis() / Attachments.releasePoll(wait.dividedBy(2), wait).toMillis();
            assertTrue(polls <= steady + 16, polls + " polls over " + wait + ", " + steady + " of them at the longest interval");
            if (wait.equals(WAIT)) {
                assertTrue(polls <= 36, polls + " polls over the default TAKEOVER_WAIT");
            }
        }
    }

    /**
     * A holder that lets go just before TAKEOVER_WAIT ends keeps its clean release: the last poll is
     * at the end of the wait, not up to an interval before it (each poll's DigitalOcean call adds
     * its own time, here 40 ms).
     */
    @Test
    void theLastPollFallsAtTheEndOfTheWaitAndNoneAfterIt() {
        long callMillis = 40;
        for (Duration wait : new Duration[] {Duration.ofMillis(1500), Duration.ofSeconds(10), WAIT, Duration.ofSeconds(45),
                Duration.ofMinutes(2)}) {
            long clock = 0;
            long lastPoll = -1;
            Duration poll;
            while (!(poll = Attachments.releasePoll(Duration.ofMillis(clock), wait)).isZero()) {
                assertTrue(clock + poll.toMillis() <= wait.toMillis(), "a poll past the end of " + wait + " at " + clock + " ms");
                clock += poll.toMillis();
                lastPoll = clock;
                clock += callMillis;
            }
            assertEquals(wait.toMillis(), lastPoll, "the last poll of " + wait);
        }
        assertEquals(Duration.ZERO, Attachments.releasePoll(WAIT, WAIT), "none once the wait is over");
        assertEquals(Duration.ZERO, Attachments.releasePoll(WAIT.plusSeconds(3), WAIT), "none for a Mount that finds it spent");
    }
}
