package dev.treecast.loadtest.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class SequenceTrackerTest {

    private static void group(SequenceTracker t, long group, int from, int to, boolean finished) {
        for (int i = from; i < to; i++) {
            t.onObject(group, i);
        }
        if (finished) {
            t.onGroupEnd(group, to);
        }
    }

    @Test
    void wholeGroupsLoseNothing() {
        SequenceTracker t = new SequenceTracker(null);
        for (long g = 1000; g < 1010; g++) {
            group(t, g, 0, 5, true);
        }
        t.finish();
        assertThat(t.lost()).isZero();
        assertThat(t.duplicates()).isZero();
        assertThat(t.received()).isEqualTo(50);
    }

    @Test
    void holesAndDuplicatesAreCounted() {
        SequenceTracker t = new SequenceTracker(null);
        t.onObject(7, 0);
        t.onObject(7, 2);
        assertThat(t.onObject(7, 2)).isFalse();
        t.onObject(7, 4);
        t.onGroupEnd(7, 6);
        t.finish();
        assertThat(t.lost()).isEqualTo(3); // 1, 3, 5
        assertThat(t.duplicates()).isEqualTo(1);
    }

    @Test
    void aTailDeliveredLaterByAnotherSubscriptionFillsTheGroup() {
        SequenceTracker t = new SequenceTracker(null);
        group(t, 10, 0, 3, false);
        assertThat(t.resumePoint()).containsExactly(10, 3);
        group(t, 10, 3, 5, true);
        group(t, 11, 0, 5, true);
        assertThat(t.resumePoint()).containsExactly(12, 0);
        t.finish();
        assertThat(t.lost()).isZero();
    }

    @Test
    void anUnfinishedOlderGroupLosesItsTailAtTheUsualSize() {
        SequenceTracker t = new SequenceTracker(null);
        group(t, 1, 0, 5, true);
        group(t, 2, 0, 5, true);
        group(t, 3, 0, 2, false); // reset after two objects
        group(t, 4, 0, 5, true);
        t.finish();
        assertThat(t.lost()).isEqualTo(3);
    }

    @Test
    void theNewestGroupAtTheEndCountsOnlyItsHoles() {
        SequenceTracker t = new SequenceTracker(null);
        group(t, 1, 0, 5, true);
        t.onObject(2, 0);
        t.onObject(2, 2);
        t.finish();
        assertThat(t.lost()).isEqualTo(1);
    }

    @Test
    void groupsNeverSeenAreFoundInTheLedger() {
        TreeMap<Long, Long> published = new TreeMap<>();
        for (long g = 1000; g <= 6000; g += 1000) {
            published.put(g, 5L);
        }
        SequenceTracker t = new SequenceTracker((after, before) ->
                published.subMap(after, false, before, false).values().stream().mapToLong(Long::longValue).sum());
        group(t, 1000, 0, 5, true);
        group(t, 2000, 0, 5, true);
        group(t, 5000, 0, 5, true); // 3000 and 4000 never arrived
        group(t, 6000, 0, 5, true);
        t.finish();
        assertThat(t.lost()).isEqualTo(10);
    }

    @Test
    void withoutALedgerNumberGapsAreNotLosses() {
        SequenceTracker t = new SequenceTracker(null);
        group(t, 1000, 0, 5, true);
        group(t, 2000, 0, 5, true);
        t.finish();
        assertThat(t.lost()).isZero();
    }

    @Test
    void manyGroupsKeepOnlyAFewOpen() {
        SequenceTracker t = new SequenceTracker(null);
        for (long g = 0; g < 10_000; g++) {
            group(t, g, 0, 3, true);
        }
        // An object of a long-judged group is very late or a duplicate.
        assertThat(t.onObject(5, 0)).isFalse();
        t.finish();
        assertThat(t.lost()).isZero();
        assertThat(t.duplicates()).isEqualTo(1);
    }
}
