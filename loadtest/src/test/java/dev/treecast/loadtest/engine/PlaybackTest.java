package dev.treecast.loadtest.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class PlaybackTest {
    private static final long MS = 1_000_000L;
    private static final long T0 = 1_000 * MS;
    /** Ingest stamps (µs): one object every 33 ms from this. */
    private static final long S0 = 5_000_000_000L;

    private static long stamp(int i) {
        return S0 + i * 33_000L;
    }

    @Test
    void firstFrameWhenTheStartupBufferIsFull() {
        Playback p = new Playback(200_000, T0);
        // A burst of cached objects 40 ms after the start: 6 objects cover 5 gaps + one object = 198 ms, not enough.
        for (int i = 0; i < 6; i++) {
            assertThat(p.onMedia(stamp(i), T0 + 40 * MS)).isEqualTo(Playback.Change.NONE);
        }
        assertThat(p.onMedia(stamp(6), T0 + 41 * MS)).isEqualTo(Playback.Change.FIRST_FRAME);
        assertThat(p.startupNanos()).isEqualTo(41 * MS);
        assertThat(p.started()).isTrue();
    }

    @Test
    void stallsFromTheMomentTheBufferRanDryAndResumesWhenRefilled() {
        Playback p = new Playback(100_000, T0);
        for (int i = 0; i <= 3; i++) {
            p.onMedia(stamp(i), T0);
        }
        // Playing from stamp(0) at T0; the buffer ends at stamp(3) + 33 ms = 132 ms of media.
        assertThat(p.tick(T0 + 131 * MS)).isEqualTo(Playback.Change.NONE);
        assertThat(p.tick(T0 + 150 * MS)).isEqualTo(Playback.Change.STALL_STARTED);
        assertThat(p.stallStartNanos()).isEqualTo(T0 + 132 * MS);
        assertThat(p.stalled()).isTrue();
        // Objects come back at +400 ms; playback resumes once 100 ms are buffered past the playhead (at 132 ms).
        assertThat(p.onMedia(stamp(4), T0 + 400 * MS)).isEqualTo(Playback.Change.NONE); // 33 ms buffered
        assertThat(p.onMedia(stamp(5), T0 + 401 * MS)).isEqualTo(Playback.Change.NONE); // 66
        assertThat(p.onMedia(stamp(6), T0 + 402 * MS)).isEqualTo(Playback.Change.NONE); // 99
        assertThat(p.onMedia(stamp(7), T0 + 403 * MS)).isEqualTo(Playback.Change.STALL_ENDED); // 132
        assertThat(p.lastStallNanos()).isEqualTo(271 * MS);
        assertThat(p.stalls()).isEqualTo(1);
        assertThat(p.stalledNanos(T0 + 500 * MS)).isEqualTo(271 * MS);
        // Playback goes on from where it stopped, with 132 ms of media: dry again 132 ms later.
        assertThat(p.tick(T0 + 403 * MS + 132 * MS)).isEqualTo(Playback.Change.NONE);
        assertThat(p.tick(T0 + 403 * MS + 133 * MS)).isEqualTo(Playback.Change.STALL_STARTED);
        assertThat(p.stallStartNanos()).isEqualTo(T0 + 535 * MS);
    }

    @Test
    void aLateObjectThatRefillsTheBufferEndsTheStallInTheSameCall() {
        Playback p = new Playback(30_000, T0);
        for (int i = 0; i <= 2; i++) {
            p.onMedia(stamp(i), T0); // 99 ms buffered: playing
        }
        // Nothing until +300 ms: the buffer ran dry at +99 ms; one object refills the 30 ms needed.
        assertThat(p.onMedia(stamp(3), T0 + 300 * MS)).isEqualTo(Playback.Change.STALL_ENDED);
        assertThat(p.lastStallNanos()).isEqualTo(201 * MS);
        assertThat(p.stalls()).isEqualTo(1);
    }

    @Test
    void aStallInProgressAtTheEndCountsUpToTheEnd() {
        Playback p = new Playback(0, T0);
        p.onMedia(stamp(0), T0);
        assertThat(p.onMedia(stamp(1), T0)).isEqualTo(Playback.Change.FIRST_FRAME); // 66 ms buffered
        assertThat(p.tick(T0 + 70 * MS)).isEqualTo(Playback.Change.STALL_STARTED);
        p.end(T0 + 1_000 * MS);
        assertThat(p.stalledNanos(T0 + 2_000 * MS)).isEqualTo(934 * MS);
        assertThat(p.stalled()).isFalse();
    }

    @Test
    void neverStartsWithoutMedia() {
        Playback p = new Playback(200_000, T0);
        assertThat(p.tick(T0 + 5_000 * MS)).isEqualTo(Playback.Change.NONE);
        p.onMedia(stamp(0), T0 + 6_000 * MS); // one object: its duration is not known yet
        assertThat(p.started()).isFalse();
        assertThat(p.startupNanos()).isEqualTo(-1);
    }
}
