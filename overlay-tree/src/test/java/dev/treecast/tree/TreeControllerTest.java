package dev.treecast.tree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class TreeControllerTest {
    private static final long MS = 1_000_000;

    private static TreeController controller(int rootSlots) {
        return new TreeController(new TreeController.Config("root", "root:1", rootSlots, Duration.ofSeconds(3), 4, 10),
                Duration.ZERO);
    }

    private static RelayInfo info(String id, String region, int slots) {
        return new RelayInfo(id, id + ":1", region, slots, null, null);
    }

    private static TreeNode node(TreeController c, String id) {
        return c.node(id);
    }

    /** Builds a shape directly, as reports from relays would. */
    private static void report(TreeController c, String id, int slots, int band, long serial, String parent,
            long now) {
        c.report(new Report(info(id, "eu", slots), Ranks.forDepth(band, serial), parent, 0), now);
    }

    @Test
    void relaysFillTheRootFirstThenTheNextLevel() {
        TreeController c = controller(2);
        assertThat(c.join(info("a", "eu", 2), 0).parentId()).isEqualTo("root");
        assertThat(c.join(info("b", "eu", 2), 0).parentId()).isEqualTo("root");
        Placement p = c.join(info("c", "eu", 2), 0);
        assertThat(p.parentId()).isIn("a", "b");
        assertThat(node(c, "c").depth()).isEqualTo(2);
        assertThat(c.size()).isEqualTo(3);
    }

    @Test
    void placementTakesTheShallowestFreeSlot() {
        TreeController c = controller(1);
        c.join(info("a", "eu", 2), 0);
        c.join(info("b", "eu", 2), 0);
        c.join(info("c", "eu", 2), 0);
        c.join(info("d", "eu", 0), 0);
        assertThat(node(c, "b").parentId()).isEqualTo("a");
        assertThat(node(c, "c").parentId()).isEqualTo("a");
        assertThat(node(c, "d").parentId()).isIn("b", "c");
        assertThat(node(c, "d").depth()).isEqualTo(3);
    }

    @Test
    void childrenSpreadOverParentsInProportionToTheirSlots() {
        TreeController c = controller(2);
        c.join(info("big", "eu", 30), 0);
        c.join(info("small", "eu", 10), 0);
        for (int i = 0; i < 20; i++) {
            c.join(info("leaf" + i, "eu", 0), 0);
        }
        assertThat(node(c, "big").children()).isEqualTo(15);
        assertThat(node(c, "small").children()).isEqualTo(5);
    }

    @Test
    void aBigRelayJoiningAfterSmallOnesDisplacesASmallOneWhichMovesUnderItWithARankBetween() {
        TreeController c = controller(2);
        c.join(info("s1", "eu", 1), 0);
        c.join(info("s2", "eu", 1), 0);
        c.join(info("s3", "eu", 1), 0);
        assertThat(c.drainJoinCommands()).isEmpty();

        Placement big = c.join(info("big", "eu", 10), 0);
        assertThat(big.parentId()).isEqualTo("root");
        List<ControllerCommand> commands = c.drainJoinCommands();
        assertThat(commands).hasSize(1);
        ControllerCommand.Move move = (ControllerCommand.Move) commands.get(0);
        assertThat(move.parentId()).isEqualTo("big");
        assertThat(move.parentAddress()).isEqualTo("big:1");
        TreeNode displaced = node(c, move.node());
        assertThat(displaced.depth()).isEqualTo(1);
        assertThat(big.rank()).isGreaterThan(Ranks.ROOT).isLessThan(displaced.rank());
        assertThat(c.drainJoinCommands()).as("cleared once drained").isEmpty();

        c.reparented(move.node(), "big", MS);
        assertThat(node(c, move.node()).depth()).isEqualTo(2);
        assertThat(node(c, "big").depth()).isEqualTo(1);
    }

    @Test
    void aSmallerRelayDoesNotDisplaceABiggerOne() {
        TreeController c = controller(1);
        c.join(info("big", "eu", 10), 0);
        c.join(info("small", "eu", 5), 0);
        assertThat(c.drainJoinCommands()).isEmpty();
        assertThat(node(c, "small").parentId()).isEqualTo("big");
    }

    @Test
    void aSameRegionParentIsPreferredAtEqualDepth() {
        TreeController c = controller(2);
        c.join(info("eu1", "eu", 5), 0);
        c.join(info("us1", "us", 5), 0);
        assertThat(c.join(info("us2", "us", 0), 0).parentId()).isEqualTo("us1");
        assertThat(c.join(info("eu2", "eu", 0), 0).parentId()).isEqualTo("eu1");
        assertThat(c.join(info("us3", "us", 0), 0).parentId()).isEqualTo("us1");
    }

    @Test
    void depthComesBeforeRegion() {
        TreeController c = controller(2);
        c.join(info("eu1", "eu", 1), 0);
        c.join(info("us1", "us", 5), 0);
        c.join(info("eu2", "eu", 1), 0); // fills eu1
        assertThat(c.join(info("eu3", "eu", 0), 0).parentId()).as("a depth-1 parent in another region beats a "
                + "depth-2 parent in ours").isEqualTo("us1");
    }

    @Test
    void aRelayIsNeverPlacedUnderItsOwnSubtree() {
        TreeController c = controller(1);
        c.join(info("x", "eu", 1), 0);
        c.join(info("a", "eu", 1), 0);
        c.join(info("b", "eu", 1), 0);
        c.join(info("d", "eu", 1), 0);
        assertThat(node(c, "a").parentId()).isEqualTo("x");
        assertThat(node(c, "b").parentId()).isEqualTo("a");
        assertThat(node(c, "d").parentId()).isEqualTo("b");
        long rank = node(c, "a").rank();

        // a restarts and joins again: its subtree (b, d: free slots) is excluded, by rank.
        Placement again = c.join(info("a", "eu", 1), MS);
        assertThat(again.parentId()).isNotIn("a", "b", "d");
        assertThat(again.rank()).as("a known relay keeps its rank").isEqualTo(rank);

        // The same against a controller that only knows the tree from reports, a re-joining with its held rank.
        TreeController fresh = controller(1);
        for (TreeNode n : c.view()) {
            if (!n.id().equals("root")) {
                fresh.report(new Report(n.info(), n.rank(), n.parentId(), 0), MS);
            }
        }
        assertThat(fresh.join(info("a", "eu", 1), rank, 2 * MS).parentId()).isNotIn("a", "b", "d");
    }

    @Test
    void freshRanksAreAboveTheParentsEvenWhenTheParentSitsHigherThanItsBand() {
        TreeController c = controller(1);
        c.join(info("a", "eu", 1), 0);
        c.join(info("b", "eu", 1), 0);
        c.join(info("d", "eu", 1), 0);
        // a dies; b (band 2) repairs to the root: a depth-1 node with a band-2 rank.
        c.reparented("b", "root", MS);
        c.report(new Report(info("b", "eu", 1), node(c, "b").rank(), "root", 0), 3_500 * MS);
        c.tick(4_000 * MS); // a and d stop reporting: forgotten
        assertThat(node(c, "a")).isNull();
        Placement e = c.join(info("e", "eu", 1), 4_000 * MS);
        assertThat(e.parentId()).isEqualTo("b");
        assertThat(Ranks.mayAdopt(node(c, "b").rank(), e.rank())).isTrue();
    }

    @Test
    void backupsAreGrandparentThenUnclesThenTheRootAllRankingBelow() {
        TreeController c = controller(1);
        c.join(info("g", "eu", 3), 0);
        c.join(info("p", "eu", 2), 0);
        c.join(info("u1", "eu", 2), 0);
        c.join(info("u2", "eu", 2), 0);
        Placement n = c.join(info("n", "eu", 0), 0);
        String parent = n.parentId();
        assertThat(parent).isIn("p", "u1", "u2");

        List<Backup> backups = n.backups();
        assertThat(backups.get(0).id()).isEqualTo("g");
        Set<String> uncles = new HashSet<>(Set.of("p", "u1", "u2"));
        uncles.remove(parent);
        assertThat(backups.subList(1, 3)).extracting(Backup::id).containsExactlyInAnyOrderElementsOf(uncles);
        assertThat(backups.get(backups.size() - 1)).isEqualTo(new Backup("root", "root:1", Ranks.ROOT));
        assertThat(backups).hasSize(4).allSatisfy(b -> assertThat(b.rank()).isLessThan(n.rank()));
        assertThat(c.backupsOf("n")).isEqualTo(backups);
    }

    @Test
    void backupsPreferUnclesInTheSameRegion() {
        TreeController c = new TreeController(new TreeController.Config("root", "root:1", 1, Duration.ofSeconds(3),
                3, 10), Duration.ZERO);
        c.join(info("g", "eu", 4), 0);
        c.join(info("p", "eu", 2), 0);
        c.join(info("far", "us", 2), 0);
        c.join(info("near", "eu", 2), 0);
        c.join(info("busy", "eu", 2), 0); // g is full now
        c.join(info("n", "eu", 0), 0);
        c.report(new Report(info("n", "eu", 0), node(c, "n").rank(), "p", 0), 0);
        List<Backup> backups = c.backupsOf("n");
        assertThat(backups).extracting(Backup::id).containsExactly("g", "near", "root");
    }

    @Test
    void childrenOfOneParentSpreadTheirFirstBackupOverRelaysWithRoom() {
        TreeController c = controller(1);
        report(c, "g", 3, 1, 1, "root", 0);
        report(c, "p", 40, 2, 1, "g", 0);
        report(c, "u1", 10, 2, 2, "g", 0);
        report(c, "u2", 10, 2, 3, "g", 0);
        for (int i = 0; i < 24; i++) {
            report(c, "k" + i, 0, 3, i, "p", 0);
        }
        Map<String, Integer> firsts = new HashMap<>();
        for (int i = 0; i < 24; i++) {
            List<Backup> list = c.backupsOf("k" + i);
            firsts.merge(list.get(0).id(), 1, Integer::sum);
            assertThat(list.get(list.size() - 1).id()).isEqualTo("root");
            assertThat(list).extracting(Backup::id).doesNotHaveDuplicates().doesNotContain("p", "k" + i);
        }
        assertThat(firsts.keySet()).contains("g", "u1", "u2");
        assertThat(firsts.get("g")).as("the grandparent only for its room (p's own slot)").isLessThan(6);
        assertThat(firsts.get("u1")).as("an uncle about for its room").isLessThan(16);
    }

    @Test
    void theRootIsTheOnlyBackupOfItsChildren() {
        TreeController c = controller(2);
        assertThat(c.join(info("a", "eu", 2), 0).backups()).containsExactly(new Backup("root", "root:1", 0));
    }

    @Test
    void anOverloadedRelayGetsItsSmallestChildrenMovedToRelaysWithRoomOfLowerRank() {
        TreeController c = controller(1);
        report(c, "g", 3, 1, 1, "root", 0);
        report(c, "a", 1, 2, 1, "g", 0);
        report(c, "b", 5, 2, 2, "g", 0);
        report(c, "c", 5, 2, 3, "g", 0);
        for (int i = 0; i < 3; i++) {
            report(c, "k" + i, 0, 3, i, "a", 0); // repairs piled three children onto a (1 slot)
        }
        report(c, "k3", 0, 3, 3, "b", 0);
        List<ControllerCommand> moves = c.tick(2 * MS).stream()
                .filter(ControllerCommand.Move.class::isInstance).toList();
        assertThat(moves).hasSize(2);
        for (ControllerCommand m : moves) {
            ControllerCommand.Move move = (ControllerCommand.Move) m;
            assertThat(move.parentId()).isIn("b", "c");
            assertThat(node(c, move.parentId()).rank()).isLessThan(node(c, move.node()).rank());
        }
        assertThat(c.tick(3 * MS)).as("pending moves are not repeated")
                .noneMatch(ControllerCommand.Move.class::isInstance);
        ControllerCommand.Move done = (ControllerCommand.Move) moves.get(0);
        c.reparented(done.node(), done.parentId(), 4 * MS);
        assertThat(node(c, done.node()).parentId()).isEqualTo(done.parentId());
        assertThat(node(c, "a").children()).isEqualTo(2);
    }

    @Test
    void movesPerTickAreCapped() {
        TreeController c = new TreeController(new TreeController.Config("root", "root:1", 1, Duration.ofSeconds(3),
                4, 2), Duration.ZERO);
        report(c, "g", 3, 1, 1, "root", 0);
        report(c, "a", 1, 2, 1, "g", 0);
        report(c, "b", 20, 2, 2, "g", 0);
        for (int i = 0; i < 10; i++) {
            report(c, "k" + i, 0, 3, i, "a", 0);
        }
        assertThat(c.tick(MS)).filteredOn(ControllerCommand.Move.class::isInstance).hasSize(2);
        assertThat(c.tick(2 * MS)).filteredOn(ControllerCommand.Move.class::isInstance).hasSize(2);
    }

    @Test
    void aFreeSlotHighUpIsFilledByLiftingTheBiggestRelayFromBelow() {
        TreeController c = controller(2);
        report(c, "a", 2, 1, 1, "root", 0);
        report(c, "b", 2, 1, 2, "root", 0);
        report(c, "c1", 1, 2, 1, "a", 0);
        report(c, "c2", 9, 2, 2, "a", 0);
        report(c, "c3", 1, 2, 3, "b", 0);
        report(c, "c4", 1, 2, 4, "b", 0);
        assertThat(c.tick(MS)).noneMatch(ControllerCommand.Move.class::isInstance);
        List<ControllerCommand> drained = c.drain("b", 2 * MS);
        assertThat(drained).hasSize(2);
        List<ControllerCommand> moves = c.tick(3 * MS).stream()
                .filter(ControllerCommand.Move.class::isInstance).toList();
        assertThat(moves).isNotEmpty();
        ControllerCommand.Move first = (ControllerCommand.Move) moves.get(0);
        assertThat(first.parentId()).isEqualTo("root");
        assertThat(first.node()).isEqualTo("c2");
    }

    @Test
    void aRelayThatJustRepairedIsLiftedOnlyOnceItHadTimeToCatchUp() {
        TreeController c = controller(2);
        report(c, "a", 2, 1, 1, "root", 0);
        report(c, "b", 2, 1, 2, "root", 0);
        report(c, "c", 0, 2, 1, "a", 0);
        assertThat(c.tick(MS)).noneMatch(ControllerCommand.Move.class::isInstance);
        // "a" dies; "c" repairs itself to its backup "b": the root now has a free slot "c" could be lifted into.
        long repairedAt = 10 * MS;
        c.lost("a", repairedAt);
        c.reparented("c", "b", repairedAt);
        long settle = TreeController.SETTLE_AFTER_REPARENT.toNanos();
        assertThat(c.tick(repairedAt + MS)).as("right after its repair, while it catches up")
                .noneMatch(ControllerCommand.Move.class::isInstance);
        // Still reporting (relays not heard from for the report timeout, 3 s here, are forgotten).
        report(c, "b", 2, 1, 2, "root", repairedAt + settle - 2 * MS);
        c.report(new Report(info("c", "eu", 0), node(c, "c").rank(), "b", 0), repairedAt + settle - 2 * MS);
        assertThat(c.tick(repairedAt + settle - MS)).noneMatch(ControllerCommand.Move.class::isInstance);
        List<ControllerCommand> later = c.tick(repairedAt + settle);
        assertThat(later).contains(new ControllerCommand.Move("c", "root", "root:1"));
    }

    @Test
    void relaysThatStopReportingAreForgottenAndTheirChildrenLeaveTheRootsSubtree() {
        TreeController c = controller(1);
        c.join(info("a", "eu", 1), 0);
        c.join(info("b", "eu", 1), 0);
        c.report(new Report(info("b", "eu", 1), node(c, "b").rank(), "a", 0), 2_000 * MS);
        c.tick(2_999 * MS);
        assertThat(node(c, "a")).isNotNull();
        c.tick(3_000 * MS);
        assertThat(node(c, "a")).isNull();
        assertThat(node(c, "b").depth()).isEqualTo(-1);
        assertThat(c.size()).isEqualTo(1);
        c.reparented("b", "root", 3_100 * MS);
        assertThat(node(c, "b").depth()).isEqualTo(1);
    }

    @Test
    void drainMovesEveryChildOutsideTheDrainedSubtreeAndForgetsTheRelay() {
        TreeController c = controller(2);
        c.join(info("a", "eu", 3), 0);
        c.join(info("b", "eu", 3), 0);
        for (int i = 0; i < 4; i++) {
            c.join(info("k" + i, "eu", 3), 0);
        }
        List<String> children = c.view().stream().filter(n -> "a".equals(n.parentId())).map(TreeNode::id).toList();
        assertThat(children).isNotEmpty();
        List<ControllerCommand> moves = c.drain("a", MS);
        assertThat(moves).hasSize(children.size()).allSatisfy(m -> {
            ControllerCommand.Move move = (ControllerCommand.Move) m;
            assertThat(children).contains(move.node());
            assertThat(move.parentId()).isNotEqualTo("a").isNotIn(children);
        });
        assertThat(node(c, "a")).isNull();
        c.report(new Report(info("a", "eu", 3), 5, "root", 0), 2 * MS);
        assertThat(node(c, "a")).as("a drained relay's late report is ignored").isNull();
        assertThat(c.drain("a", 3 * MS)).isEmpty();
    }

    @Test
    void aRestartedControllerDoesNotRebalanceUntilItHeardReportsForAReportTimeout() {
        TreeController c = new TreeController(new TreeController.Config("root", "root:1", 1, Duration.ofSeconds(3),
                4, 10));
        c.report(new Report(info("a", "eu", 1), Ranks.forDepth(1, 1), "root", 0), 0);
        c.report(new Report(info("b", "eu", 5), Ranks.forDepth(1, 2), "root", 0), 0); // root over its slot
        assertThat(c.tick(2_999 * MS)).noneMatch(ControllerCommand.Move.class::isInstance);
        c.report(new Report(info("a", "eu", 1), Ranks.forDepth(1, 1), "root", 0), 2_999 * MS);
        c.report(new Report(info("b", "eu", 5), Ranks.forDepth(1, 2), "root", 0), 2_999 * MS);
        assertThat(c.tick(3_000 * MS)).anyMatch(ControllerCommand.Move.class::isInstance);
    }

    @Test
    void aReportNamingAParentOfHigherRankIsNotLinkedSoTheMapStaysAcyclic() {
        TreeController c = controller(2);
        c.report(new Report(info("a", "eu", 1), 10, "b", 0), 0);
        c.report(new Report(info("b", "eu", 1), 20, "a", 0), 0);
        assertThat(node(c, "b").depth()).isEqualTo(-1);
        assertThat(node(c, "a").depth()).isEqualTo(-1);
        c.report(new Report(info("a", "eu", 1), 10, "root", 0), 1);
        assertThat(node(c, "a").depth()).isEqualTo(1);
        assertThat(node(c, "b").depth()).isEqualTo(2);
    }

    @Test
    void theRootCannotJoin() {
        assertThatThrownBy(() -> controller(1).join(info("root", "eu", 1), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
