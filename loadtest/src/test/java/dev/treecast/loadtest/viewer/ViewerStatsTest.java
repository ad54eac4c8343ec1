package dev.treecast.loadtest.viewer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.protocol.ErrorCode;

/** The window counts exactly the objects stamped in it, however late they arrive. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ViewerStatsTest {
    private final ViewerStats stats = new ViewerStats(Duration.ofMillis(200));

    @Test
    void onlyObjectsStampedInsideTheWindowAreCountedWhateverTheirArrival() {
        stats.window(1_000_000, 2_000_000);
        stats.onObject(100, 999_999, 1_000_100);   // stamped before: out
        stats.onObject(200, 1_000_000, 1_050_000); // first microsecond: in, 50 ms
        stats.onObject(300, 1_999_999, 2_500_000); // stamped inside, arrives after the end: in, 500 ms late
        stats.onObject(400, 2_000_000, 2_000_001); // stamped at the end: out

        ViewerStats.Snapshot s = stats.snapshot();
        assertThat(s.objects()).isEqualTo(2);
        assertThat(s.bytes()).isEqualTo(500);
        assertThat(s.onTime()).isEqualTo(1);
        assertThat(s.latencyMicros().getTotalCount()).isEqualTo(2);
        assertThat(s.latencyMicros().getMaxValue()).isBetween(500_000L, 500_500L);
    }

    @Test
    void anObjectExactlyAtTheOnTimeBoundIsOnTime() {
        stats.window(0, Long.MAX_VALUE);
        stats.onObject(1, 1_000, 201_000);
        stats.onObject(1, 1_000, 201_001);
        assertThat(stats.snapshot().onTime()).isEqualTo(1);
    }

    @Test
    void aNewWindowStartsFromZero() {
        stats.window(0, Long.MAX_VALUE);
        stats.onObject(1, 10, 20);
        stats.onLost(3);
        stats.onGroupEnd(ErrorCode.TOO_SLOW);
        stats.onGroupEnd(ErrorCode.NO_ERROR);
        stats.onSessionClosed();
        ViewerStats.Snapshot first = stats.snapshot();
        assertThat(first.lost()).isEqualTo(3);
        assertThat(first.groupsReset()).isEqualTo(1);
        assertThat(first.sessionsClosed()).isEqualTo(1);

        stats.window(0, Long.MAX_VALUE);
        ViewerStats.Snapshot second = stats.snapshot();
        assertThat(second.objects()).isZero();
        assertThat(second.lost()).isZero();
        assertThat(second.groupsReset()).isZero();
        assertThat(second.latencyMicros().getTotalCount()).isZero();
    }
}
