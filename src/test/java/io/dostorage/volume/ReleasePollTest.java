package io.dostorage.volume;

import org.junit.jupiter.api.Test;

import java.time.Duration;

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
            while (waited + (poll = Attachments.releasePoll(Duration.ofMillis(waited), wait)).toMillis() <= wait.toMillis()) {
                waited += poll.toMillis();
                polls++;
                assertTrue(poll.compareTo(Attachments.LAST_RELEASE_POLL) <= 0, "at most every 2 s: " + poll);
            }
            long steady = wait.toMillis() / Attachments.releasePoll(wait, wait).toMillis();
            assertTrue(polls <= steady + 16, polls + " polls over " + wait + ", " + steady + " of them at the longest interval");
            if (wait.equals(WAIT)) {
                assertTrue(polls <= 36, polls + " polls over the default TAKEOVER_WAIT");
            }
        }
    }
}
