package dev.treecast.ingest.treemap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.ingest.treemap.TreeMapSnapshot.Event;
import dev.treecast.ingest.treemap.TreeMapSnapshot.Health;
import dev.treecast.ingest.treemap.TreeMapSnapshot.Node;
import dev.treecast.tree.RelayInfo;
import dev.treecast.tree.TreeNode;

/** The tree map's model, driven by hand-made controller views and a fake clock: no sockets, no threads. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class TreeMapModelTest {
    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;
    private final TreeMapModel model = new TreeMapModel("ingest", Duration.ofSeconds(10), 4);

    private static TreeNode node(String id, String parent, int depth, int slots, int children) {
        return new TreeNode(id, parent, depth, depth, new RelayInfo(id, id + ":1", "eu", slots, null, null),
                children, 0);
    }

    /** ingest -> relay-1.1 -> (relay-2.1, relay-2.2); ingest -> relay-1.2. */
    private static List<TreeNode> tree() {
        return List.of(node("ingest", null, 0, 2, 2), node("relay-1.1", "ingest", 1, 2, 2),
                node("relay-1.2", "ingest", 1, 2, 0), node("relay-2.1", "relay-1.1", 2, 0, 0),
                node("relay-2.2", "relay-1.1", 2, 0, 0));
    }

    private static Node find(TreeMapSnapshot s, String id) {
        return s.nodes().stream().filter(n -> n.id().equals(id)).findFirst().orElse(null);
    }

    @Test
    void ratesComeFromTwoCounterReadingsAndTheRootSendsWhatItsChildrenReceive() {
        model.traffic("relay-1.1", 0, 0, 0);
        model.traffic("relay-1.2", 0, 0, 0);
        model.traffic("relay-1.1", 500_000, 1_000_000, 2 * S);
        model.traffic("relay-1.2", 250_000, 0, S);
        TreeMapSnapshot s = model.snapshot(tree(), 2 * S);

        assertThat(find(s, "relay-1.1").inBytesPerSecond()).isEqualTo(250_000);
        assertThat(find(s, "relay-1.1").outBytesPerSecond()).isEqualTo(500_000);
        assertThat(find(s, "relay-1.2").inBytesPerSecond()).isEqualTo(250_000);
        assertThat(find(s, "ingest").outBytesPerSecond()).isEqualTo(500_000);
        assertThat(find(s, "relay-2.1").inBytesPerSecond()).as("never reported traffic").isZero();
        assertThat(s.edges()).extracting("from", "to", "bytesPerSecond").containsExactly(
                tuple("ingest", "relay-1.1", 250_000L), tuple("ingest", "relay-1.2", 250_000L),
                tuple("relay-1.1", "relay-2.1", 0L), tuple("relay-1.1", "relay-2.2", 0L));
        assertThat(s.relays()).isEqualTo(4);
        assertThat(s.depth()).isEqualTo(2);
        assertThat(s.nodes()).extracting(Node::health).containsOnly(Health.OK);
    }

    @Test
    void aReadingSoonAfterThePreviousOneWaitsAndACounterThatWentDownStartsOver() {
        model.traffic("relay-1.1", 0, 0, 0);
        model.traffic("relay-1.1", 1_000_000, 0, S);
        model.traffic("relay-1.1", 1_100_000, 0, S + 100 * MS); // a report sent early: no rate from 100 ms
        assertThat(find(model.snapshot(tree(), S + 100 * MS), "relay-1.1").inBytesPerSecond()).isEqualTo(1_000_000);
        model.traffic("relay-1.1", 3_000_000, 0, 2 * S); // over both seconds since the first reading
        assertThat(find(model.snapshot(tree(), 2 * S), "relay-1.1").inBytesPerSecond()).isEqualTo(1_500_000);
        model.traffic("relay-1.1", 10, 0, 3 * S); // restarted under the same id
        assertThat(find(model.snapshot(tree(), 3 * S), "relay-1.1").inBytesPerSecond()).isZero();
    }

    @Test
    void aRateSpansAFewSecondsSoThatASubscriptionsFirstBurstFadesOut() {
        // A burst of a whole group from the parent's cache, then 250 000 bytes a second.
        long[] counters = {0, 1_000_000, 1_250_000, 1_500_000, 1_750_000, 2_000_000};
        List<Long> rates = new ArrayList<>();
        for (int i = 0; i < counters.length; i++) {
            model.traffic("relay-1.1", counters[i], counters[i], i * S);
            rates.add(find(model.snapshot(tree(), i * S), "relay-1.1").inBytesPerSecond());
        }
        assertThat(rates).containsExactly(0L, 1_000_000L, 625_000L, 500_000L, 250_000L, 250_000L);
        model.traffic("relay-1.1", 2_300_000, 2_300_000, 6 * S + 200 * MS); // a late report, then a prompt one
        model.traffic("relay-1.1", 2_500_000, 2_500_000, 7 * S);
        assertThat(find(model.snapshot(tree(), 7 * S), "relay-1.1").inBytesPerSecond()).isEqualTo(250_000);
    }

    @Test
    void aRepairIsAnEventAndTheDeadParentStaysOnTheMapForAWhile() {
        model.snapshot(tree(), 0);
        model.repaired("relay-2.1", "relay-1.1", "relay-1.2", 120_400, S);
        // The controller forgot relay-1.1; relay-2.2 has not told it its new parent yet.
        List<TreeNode> after = List.of(node("ingest", null, 0, 2, 1), node("relay-1.2", "ingest", 1, 2, 1),
                node("relay-2.1", "relay-1.2", 2, 0, 0), node("relay-2.2", "relay-1.1", -1, 0, 0));
        TreeMapSnapshot s = model.snapshot(after, S + 50 * MS);

        assertThat(find(s, "relay-1.1")).extracting(Node::health, Node::parent, Node::children)
                .containsExactly(Health.DEAD, "ingest", 0);
        assertThat(find(s, "relay-2.1")).extracting(Node::health, Node::parent).containsExactly(Health.OK, "relay-1.2");
        assertThat(find(s, "relay-2.2")).extracting(Node::health, Node::parent).containsExactly(Health.REPAIRING, null);
        assertThat(s.relays()).as("ghosts are not counted").isEqualTo(3);
        assertThat(s.events()).extracting(Event::kind, Event::text).containsExactly(
                tuple("repair", "relay-2.1 reparented from relay-1.1 to relay-1.2 in 120 ms"),
                tuple("dead", "relay-1.1 is dead (reported by relay-2.1)"));
        assertThat(s.events().get(0)).extracting(Event::from, Event::to, Event::tookMs, Event::agoMs)
                .containsExactly("relay-1.1", "relay-1.2", 120L, 50L);
        assertThat(s.edges()).extracting("from", "to").contains(tuple("relay-1.2", "relay-2.1"))
                .doesNotContain(tuple("relay-1.1", "relay-2.1"));

        assertThat(find(model.snapshot(after, S + 9 * S), "relay-1.1")).isNotNull();
        assertThat(find(model.snapshot(after, S + 10 * S + 50 * MS), "relay-1.1")).as("ghost expired").isNull();
    }

    @Test
    void aRelayThatComesBackIsNoGhostAndOneThatStopsReportingIsDead() {
        model.snapshot(tree(), 0);
        List<TreeNode> without = new ArrayList<>(tree());
        without.removeIf(n -> n.id().equals("relay-1.2"));
        TreeMapSnapshot s = model.snapshot(without, S);
        assertThat(find(s, "relay-1.2").health()).isEqualTo(Health.DEAD);
        assertThat(s.events()).extracting(Event::text).containsExactly("relay-1.2 stopped reporting and was forgotten");

        s = model.snapshot(tree(), 2 * S);
        assertThat(s.nodes()).filteredOn(n -> n.id().equals("relay-1.2")).extracting(Node::health)
                .containsExactly(Health.OK);
    }

    @Test
    void aDrainedRelayIsShownDrainingAndItsChildrensMovesAreEvents() {
        model.snapshot(tree(), 0);
        model.draining("relay-1.1", S);
        model.moving("relay-2.1", "relay-1.2", S);
        model.moving("relay-2.2", "ingest", S);
        List<TreeNode> after = List.of(node("ingest", null, 0, 2, 2), node("relay-1.2", "ingest", 1, 2, 1),
                node("relay-2.1", "relay-1.2", 2, 0, 0), node("relay-2.2", "ingest", 1, 0, 0));
        TreeMapSnapshot s = model.snapshot(after, S + 10 * MS);

        assertThat(find(s, "relay-1.1").health()).isEqualTo(Health.DRAINING);
        assertThat(s.events()).extracting(Event::kind, Event::node).containsExactly(tuple("drain", "relay-1.1"),
                tuple("move", "relay-2.1"), tuple("move", "relay-2.2"));
        assertThat(s.events().get(1).text()).isEqualTo("relay-2.1 moved by the controller from relay-1.1 to relay-1.2");
    }

    @Test
    void onlyTheLatestEventsAreKeptInOrder() {
        for (int i = 0; i < 6; i++) {
            model.joined("relay-" + i, "ingest", i * S);
        }
        TreeMapSnapshot s = model.snapshot(tree(), 6 * S);
        assertThat(s.events()).extracting(Event::seq).containsExactly(3L, 4L, 5L, 6L);
        assertThat(s.events()).extracting(Event::agoMs).containsExactly(4000L, 3000L, 2000L, 1000L);
        assertThat(model.snapshot(tree(), 7 * S).version()).isGreaterThan(s.version());
    }
}
