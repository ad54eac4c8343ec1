package dev.treecast.tree;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.tree.RelayAgent.Action;
import dev.treecast.tree.RelayAgent.State;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RelayAgentTest {
    private static final long MS = 1_000_000;
    private static final long RANK = Ranks.forDepth(3, 7);
    private static final Backup GRANDPARENT = new Backup("g", "g:1", Ranks.forDepth(1, 1));
    private static final Backup UNCLE = new Backup("u", "u:1", Ranks.forDepth(2, 2));
    private static final Backup COUSIN = new Backup("c", "c:1", Ranks.forDepth(3, 9)); // ranks above us
    private static final Backup ROOT = new Backup("root", "root:1", Ranks.ROOT);

    private final RelayAgent agent = new RelayAgent("me", Duration.ofMillis(100), Duration.ofMillis(300));

    private List<Action> attachTo(String parent) {
        agent.placed(new Placement(parent, parent + ":1", RANK, List.of(GRANDPARENT, UNCLE, COUSIN, ROOT)), 0);
        return agent.connected(parent, 10 * MS);
    }

    @Test
    void placementConnectsToTheParentAndJoinsWhenConnected() {
        List<Action> placed = agent.placed(new Placement("p", "p:1", RANK, List.of(GRANDPARENT, ROOT)), 0);
        assertThat(placed).containsExactly(new Action.Connect(new Backup("p", "p:1", Ranks.UNKNOWN)));
        assertThat(agent.state()).isEqualTo(State.JOINING);
        assertThat(agent.rank()).isEqualTo(RANK);

        assertThat(agent.connected("p", 40 * MS)).containsExactly(new Action.Joined("p", 40 * MS));
        assertThat(agent.state()).isEqualTo(State.ATTACHED);
        assertThat(agent.parentId()).isEqualTo("p");
        assertThat(agent.backupList()).containsExactly(GRANDPARENT, ROOT);
    }

    @Test
    void aFailedJoinFallsBackToTheBackupsInOrder() {
        agent.placed(new Placement("p", "p:1", RANK, List.of(GRANDPARENT, ROOT)), 0);
        assertThat(agent.connectFailed("p", 5 * MS)).containsExactly(new Action.Connect(GRANDPARENT));
        assertThat(agent.connected("g", 9 * MS)).containsExactly(new Action.Joined("g", 9 * MS));
    }

    @Test
    void heartbeatsGoToTheParentEveryPeriod() {
        attachTo("p");
        assertThat(agent.tick(50 * MS)).isEmpty();
        assertThat(agent.tick(110 * MS)).containsExactly(new Action.Heartbeat("p", 1));
        agent.heartbeatAcked("p", 1, 120 * MS);
        assertThat(agent.tick(150 * MS)).isEmpty();
        assertThat(agent.tick(210 * MS)).containsExactly(new Action.Heartbeat("p", 2));
    }

    @Test
    void aSilentParentIsDeclaredDeadAfterDeadAfterAndRepairStartsWithTheFirstEligibleBackup() {
        attachTo("p");
        agent.heard("p", 100 * MS);
        assertThat(agent.tick(399 * MS)).doesNotHaveAnyElementsOfTypes(Action.Drop.class);
        List<Action> actions = agent.tick(400 * MS);
        assertThat(actions).containsExactly(new Action.Drop("p"), new Action.Connect(GRANDPARENT));
        assertThat(agent.state()).isEqualTo(State.REPAIRING);
        assertThat(agent.parentId()).isNull();

        assertThat(agent.connected("g", 460 * MS)).containsExactly(new Action.Repaired("p", "g", 60 * MS));
        assertThat(agent.state()).isEqualTo(State.ATTACHED);
        assertThat(agent.parentId()).isEqualTo("g");
    }

    /** Attaches a 50 ms / 150 ms agent to "p" at 0 and answers 20 heartbeats after {@code rttMs}; returns the time. */
    private static long steadyRtt(RelayAgent a, long rttMs) {
        a.placed(new Placement("p", "p:1", RANK, List.of(GRANDPARENT, ROOT)), 0);
        a.connected("p", 0);
        long now = 0;
        for (int i = 0; i < 20; i++) {
            now += 50 * MS;
            Action.Heartbeat beat = (Action.Heartbeat) a.tick(now).getFirst();
            a.heartbeatAcked("p", beat.sequence(), now + rttMs * MS);
        }
        return now + rttMs * MS;
    }

    @Test
    void onALinkWithTensOfMillisecondsOfRttAParentGetsTwoProbeTimeoutsMoreBeforeItIsDead() {
        RelayAgent a = new RelayAgent("me", Duration.ofMillis(50), Duration.ofMillis(150));
        assertThat(a.deadAfterNanos()).isEqualTo(150 * MS);
        long heard = steadyRtt(a, 60);
        assertThat(a.smoothedRttNanos()).isBetween(59 * MS, 61 * MS);
        // heartbeat 50 + srtt 60 + 2 × (srtt 60 + 4·rttvar (→ 0, at least 1 ms) + ack delay 25) = 282 ms
        assertThat(a.deadAfterNanos()).isBetween(282 * MS, 284 * MS);
        long deadline = heard + a.deadAfterNanos();
        // 200 ms of silence killed such a parent before (a lost packet on the ordered control stream does that)
        assertThat(a.tick(heard + 200 * MS)).doesNotHaveAnyElementsOfTypes(Action.Drop.class);
        assertThat(a.tick(deadline - 1)).doesNotHaveAnyElementsOfTypes(Action.Drop.class);
        assertThat(a.tick(deadline)).startsWith(new Action.Drop("p"));
    }

    @Test
    void onLoopbackTheConfiguredDeadAfterStands() {
        RelayAgent a = new RelayAgent("me", Duration.ofMillis(50), Duration.ofMillis(150));
        long heard = steadyRtt(a, 1);
        assertThat(a.deadAfterNanos()).isEqualTo(150 * MS);
        assertThat(a.tick(heard + 150 * MS)).startsWith(new Action.Drop("p"));
    }

    @Test
    void theAdaptiveDeadAfterIsCappedAndCarriesOverToTheNextParentAsAPrior() {
        RelayAgent a = new RelayAgent("me", Duration.ofMillis(50), Duration.ofMillis(150));
        a.placed(new Placement("p", "p:1", RANK, List.of(GRANDPARENT, ROOT)), 0);
        a.connected("p", 0);
        Action.Heartbeat beat = (Action.Heartbeat) a.tick(50 * MS).getFirst();
        a.heartbeatAcked("p", beat.sequence(), 1_050 * MS); // one answer a second late
        assertThat(a.deadAfterNanos()).isEqualTo(RelayAgent.MAX_DEAD_AFTER_FACTOR * 150 * MS);

        assertThat(a.tick(1_050 * MS + RelayAgent.MAX_DEAD_AFTER_FACTOR * 150 * MS))
                .containsExactly(new Action.Drop("p"), new Action.Connect(GRANDPARENT));
        a.connected("g", 2_600 * MS);
        assertThat(a.smoothedRttNanos()).isEqualTo(1_000 * MS);
        assertThat(a.deadAfterNanos()).isEqualTo(RelayAgent.MAX_DEAD_AFTER_FACTOR * 150 * MS);
        // the new parent's answers bring it down
        long now = 2_600 * MS;
        for (int i = 0; i < 80; i++) {
            now += 50 * MS;
            Action.Heartbeat next = (Action.Heartbeat) a.tick(now).getFirst();
            a.heartbeatAcked("g", next.sequence(), now + MS);
        }
        assertThat(a.deadAfterNanos()).isEqualTo(150 * MS);
    }

    @Test
    void connectAttemptsGetMoreTimeOnASlowLink() {
        RelayAgent a = new RelayAgent("me", Duration.ofMillis(50), Duration.ofMillis(150));
        assertThat(a.attemptTimeoutNanos()).isEqualTo(600 * MS);
        long heard = steadyRtt(a, 60);
        long attempt = a.attemptTimeoutNanos();
        assertThat(attempt).isEqualTo(4 * a.deadAfterNanos()); // about 1.13 s
        List<Action> lost = a.parentLost("p", heard);
        assertThat(lost).containsExactly(new Action.Connect(GRANDPARENT));
        assertThat(a.tick(heard + 700 * MS)).doesNotContain(new Action.Drop("g"));
        assertThat(a.tick(heard + attempt)).startsWith(new Action.Drop("g"));

        RelayAgent loopback = new RelayAgent("me", Duration.ofMillis(50), Duration.ofMillis(150));
        steadyRtt(loopback, 1);
        assertThat(loopback.attemptTimeoutNanos()).isEqualTo(600 * MS);
    }

    @Test
    void anAnswerToAnUnknownOrRepeatedHeartbeatIsNoRttSampleButShowsTheParentAlive() {
        RelayAgent a = new RelayAgent("me", Duration.ofMillis(50), Duration.ofMillis(150));
        a.placed(new Placement("p", "p:1", RANK, List.of(GRANDPARENT, ROOT)), 0);
        a.connected("p", 0);
        Action.Heartbeat beat = (Action.Heartbeat) a.tick(50 * MS).getFirst();
        a.heartbeatAcked("p", beat.sequence() + 7, 90 * MS);
        assertThat(a.smoothedRttNanos()).isEqualTo(-1);
        a.heartbeatAcked("p", beat.sequence(), 100 * MS);
        assertThat(a.smoothedRttNanos()).isEqualTo(50 * MS);
        a.heartbeatAcked("p", beat.sequence(), 400 * MS); // a duplicate answer: not a 350 ms sample
        assertThat(a.smoothedRttNanos()).isEqualTo(50 * MS);
        assertThat(a.tick(400 * MS + a.deadAfterNanos() - 1)).doesNotHaveAnyElementsOfTypes(Action.Drop.class);
    }

    @Test
    void repairSkipsTheDeadParentAndBackupsThatDoNotRankBelowAndEndsWithTheRoot() {
        agent.placed(new Placement("p", "p:1", RANK,
                List.of(new Backup("p", "p:1", Ranks.forDepth(2, 1)), COUSIN, UNCLE, ROOT)), 0);
        agent.connected("p", MS);
        assertThat(agent.parentLost("p", 2 * MS)).containsExactly(new Action.Connect(UNCLE));
        assertThat(agent.connectFailed("u", 3 * MS)).containsExactly(new Action.Connect(ROOT));
        assertThat(agent.connectFailed("root", 4 * MS)).singleElement().isInstanceOf(Action.Detached.class);
        assertThat(agent.state()).isEqualTo(State.DETACHED);
    }

    @Test
    void aDetachedAgentRetriesItsListAndTakesAFreshOneAtOnce() {
        agent.placed(new Placement("p", "p:1", RANK, List.of(ROOT)), 0);
        agent.connected("p", MS);
        agent.parentLost("p", 2 * MS);
        agent.connectFailed("root", 3 * MS);
        assertThat(agent.state()).isEqualTo(State.DETACHED);
        assertThat(agent.tick(3 * MS + 1_199 * MS)).isEmpty();
        assertThat(agent.tick(3 * MS + 1_200 * MS)).containsExactly(new Action.Connect(ROOT));
        agent.connectFailed("root", 1_300 * MS);
        assertThat(agent.backups(List.of(UNCLE, ROOT), 1_400 * MS)).containsExactly(new Action.Connect(UNCLE));
        assertThat(agent.connected("u", 1_450 * MS)).singleElement().isInstanceOf(Action.Repaired.class);
    }

    @Test
    void anAttemptWithoutAnswerIsAbandonedAfterTheAttemptTimeout() {
        attachTo("p");
        agent.parentLost("p", 100 * MS);
        assertThat(agent.tick(100 * MS + 1_200 * MS)).containsExactly(new Action.Drop("g"),
                new Action.Connect(UNCLE));
    }

    @Test
    void theRootIsRetriedEvenWhenItWasTheLostParent() {
        agent.placed(new Placement("root", "root:1", RANK, List.of(ROOT)), 0);
        agent.connected("root", MS);
        assertThat(agent.parentLost("root", 2 * MS)).containsExactly(new Action.Connect(ROOT));
    }

    @Test
    void aMoveIsMakeBeforeBreak() {
        attachTo("p");
        List<Action> start = agent.move("u", "u:1", 100 * MS);
        assertThat(start).containsExactly(new Action.Connect(UNCLE));
        assertThat(agent.state()).isEqualTo(State.MOVING);
        assertThat(agent.parentId()).as("still receiving from the old parent").isEqualTo("p");
        assertThat(agent.connected("u", 150 * MS)).containsExactly(new Action.Drop("p"),
                new Action.Moved("p", "u", 50 * MS));
        assertThat(agent.state()).isEqualTo(State.ATTACHED);
        assertThat(agent.parentId()).isEqualTo("u");
    }

    @Test
    void aFailedMoveKeepsTheOldParent() {
        attachTo("p");
        agent.move("u", "u:1", 100 * MS);
        assertThat(agent.connectFailed("u", 120 * MS)).isEmpty();
        assertThat(agent.state()).isEqualTo(State.ATTACHED);
        assertThat(agent.parentId()).isEqualTo("p");
    }

    @Test
    void theOldParentDyingDuringAMoveTurnsItIntoARepairThatKeepsThePendingAttempt() {
        attachTo("p");
        agent.move("u", "u:1", 100 * MS);
        assertThat(agent.parentLost("p", 110 * MS)).isEmpty();
        assertThat(agent.state()).isEqualTo(State.REPAIRING);
        assertThat(agent.candidateId()).isEqualTo("u");
        assertThat(agent.connected("u", 150 * MS)).containsExactly(new Action.Repaired("p", "u", 40 * MS));
    }

    @Test
    void aFailedMoveAfterTheOldParentDiedFallsBackToTheRepairOrder() {
        attachTo("p");
        agent.move("u", "u:1", 100 * MS);
        agent.parentLost("p", 110 * MS);
        assertThat(agent.connectFailed("u", 120 * MS)).containsExactly(new Action.Connect(GRANDPARENT));
    }

    @Test
    void goAwayMovesToTheSuggestedBackupAndFallsBackToTheOthersStillMakeBeforeBreak() {
        attachTo("p");
        assertThat(agent.goAway("p", "u:1", 100 * MS)).containsExactly(new Action.Connect(UNCLE));
        assertThat(agent.state()).isEqualTo(State.MOVING);
        assertThat(agent.connectFailed("u", 110 * MS)).containsExactly(new Action.Connect(GRANDPARENT));
        assertThat(agent.parentId()).isEqualTo("p");
        assertThat(agent.connected("g", 130 * MS)).containsExactly(new Action.Drop("p"),
                new Action.Moved("p", "g", 30 * MS));
    }

    @Test
    void goAwayWithAnUnknownSuggestionUsesTheBackupOrder() {
        attachTo("p");
        assertThat(agent.goAway("p", "elsewhere:1", 100 * MS)).containsExactly(new Action.Connect(GRANDPARENT));
    }

    @Test
    void aConnectionNobodyAskedForIsDropped() {
        attachTo("p");
        assertThat(agent.connected("stray", 100 * MS)).containsExactly(new Action.Drop("stray"));
        assertThat(agent.parentId()).isEqualTo("p");
    }

    @Test
    void aControllerMoveReplacesAGoAwayTargetAndAMoveBackToTheParentCancels() {
        attachTo("p");
        agent.goAway("p", null, 100 * MS);
        assertThat(agent.candidateId()).isEqualTo("g");
        assertThat(agent.move("u", "u:1", 110 * MS)).containsExactly(new Action.Drop("g"),
                new Action.Connect(UNCLE));
        assertThat(agent.move("p", "p:1", 120 * MS)).containsExactly(new Action.Drop("u"));
        assertThat(agent.state()).isEqualTo(State.ATTACHED);
    }

    @Test
    void aPlacementWithAnotherRankDropsTheParentFirst() {
        attachTo("p");
        List<Action> actions = agent.placed(new Placement("q", "q:1", RANK + 5, List.of(ROOT)), 100 * MS);
        assertThat(actions).containsExactly(new Action.Drop("p"), new Action.Connect(new Backup("q", "q:1",
                Ranks.UNKNOWN)));
        assertThat(agent.state()).isEqualTo(State.JOINING);
        assertThat(agent.rank()).isEqualTo(RANK + 5);
    }

    @Test
    void movesAreIgnoredBeforeThePlacement() {
        assertThat(agent.move("u", "u:1", 0)).isEmpty();
        assertThat(agent.tick(10_000 * MS)).isEmpty();
        assertThat(agent.state()).isEqualTo(State.JOINING);
    }
}
