package dev.treecast.ingest.director;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DirectorTest {
    private final Director director = new Director();

    private AtomicInteger edge(String node, String region, int viewers, int capacity) {
        AtomicInteger load = new AtomicInteger(viewers);
        director.register(new Director.Edge(node, "https://" + node + ":4443/watch/", "aa" + node, region, load::get,
                capacity));
        return load;
    }

    @Test
    void theLeastLoadedEdgeWithAFreeSlotWinsAndTheOthersAreRankedAlternates() {
        edge("a", "", 90, 100);
        edge("b", "", 10, 100);
        edge("c", "", 50, 200);
        edge("full", "", 100, 100);
        Director.Answer answer = director.choose("final", null).orElseThrow();
        assertThat(answer.edge().node()).isEqualTo("b");
        assertThat(answer.edge().url()).isEqualTo("https://b:4443/watch/final");
        assertThat(answer.alternates()).extracting(Director.Offer::node).containsExactly("c", "a");
    }

    @Test
    void theViewersRegionComesFirstEvenWhenBusier() {
        edge("paris", "eu", 80, 100);
        edge("ohio", "us", 1, 100);
        assertThat(director.choose("final", "eu").orElseThrow().edge().node()).isEqualTo("paris");
        assertThat(director.choose("final", "us").orElseThrow().edge().node()).isEqualTo("ohio");
        assertThat(director.choose("final", "asia").orElseThrow().edge().node()).isEqualTo("ohio");
    }

    @Test
    void loadIsReadLiveAndAFullFleetHasNoAnswer() {
        AtomicInteger only = edge("only", "", 0, 2);
        assertThat(director.choose("final", "")).isPresent();
        only.set(2);
        assertThat(director.choose("final", "")).isEmpty();
        director.unregister("only");
        assertThat(director.size()).isZero();
    }
}
