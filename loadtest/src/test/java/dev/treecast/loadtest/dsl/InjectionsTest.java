package dev.treecast.loadtest.dsl;

import static dev.treecast.loadtest.dsl.LoadDsl.*;
import static java.time.Duration.ofMillis;
import static java.time.Duration.ofSeconds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.loadtest.model.Injection;

/** The schedule of an injection profile: who starts when, and how many watch at once. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class InjectionsTest {
    private static final long S = 1_000_000_000L;

    @Test
    void aRateRampStartsTheIntegralOfItsRateEverySecond() {
        long[] offsets = Injections.openStartOffsetsNanos(List.of(rampUsersPerSec(10).to(20).during(ofSeconds(10))));

        assertThat(offsets).hasSize(150); // (10 + 20) / 2 * 10
        long[] perSecond = perSecond(offsets, 10);
        for (int k = 0; k < 10; k++) {
            // the rate integrates to 10 + (2k + 1) / 2 over second k
            assertThat((double) perSecond[k]).as("second " + k).isCloseTo(10.5 + k, within(1.0));
        }
        assertThat(offsets[0]).isZero();
        assertThat(offsets[149]).isLessThan(10 * S);
        assertNonDecreasing(offsets);
    }

    @Test
    void aConstantRateSpacesItsUsersByOneOverTheRate() {
        long[] offsets = Injections.openStartOffsetsNanos(List.of(constantUsersPerSec(2.5).during(ofSeconds(4))));

        assertThat(offsets).containsExactly(0, 400_000_000L, 800_000_000L, 1_200_000_000L, 1_600_000_000L,
                2 * S, 2_400_000_000L, 2_800_000_000L, 3_200_000_000L, 3_600_000_000L);
    }

    @Test
    void aUserRampStartsTheSameNumberEverySecond() {
        long[] offsets = Injections.openStartOffsetsNanos(List.of(rampUsers(50).during(ofSeconds(10))));

        assertThat(offsets).hasSize(50);
        assertThat(perSecond(offsets, 10)).containsOnly(5);
        for (int i = 0; i < 50; i++) {
            assertThat(offsets[i]).isEqualTo(i * 200_000_000L);
        }
    }

    @Test
    void stepsRunOneAfterTheOther() {
        List<Injection.Open> profile = List.of(atOnceUsers(3), nothingFor(ofSeconds(2)),
                rampUsers(4).during(ofSeconds(2)), constantUsersPerSec(1).during(ofSeconds(2)));

        assertThat(Injections.openStartOffsetsNanos(profile))
                .containsExactly(0, 0, 0, 2 * S, 2_500_000_000L, 3 * S, 3_500_000_000L, 4 * S, 5 * S);
        assertThat(Injections.openLengthNanos(profile)).isEqualTo(6 * S);
    }

    @Test
    void theSmokeProfileAddsUp() {
        long[] offsets = Injections.openStartOffsetsNanos(List.of(atOnceUsers(5), nothingFor(ofSeconds(2)),
                rampUsers(50).during(ofSeconds(10)), constantUsersPerSec(2.5).during(ofSeconds(4)),
                rampUsersPerSec(1).to(10).during(ofSeconds(5))));

        // 5 + 50 + 10 + round(27.5) = 93
        assertThat(offsets).hasSize(93);
        assertThat(Arrays.stream(offsets).filter(o -> o == 0).count()).isEqualTo(5);
        assertThat(offsets[5]).isEqualTo(2 * S);
        assertThat(offsets[55]).isEqualTo(12 * S);
        assertThat(offsets[65]).isEqualTo(16 * S);
        assertThat(offsets[92]).isBetween(16 * S, 21 * S - 1);
        assertNonDecreasing(offsets);
    }

    @Test
    void aRampFromZeroStartsSlowly() {
        long[] offsets = Injections.openStartOffsetsNanos(List.of(rampUsersPerSec(0).to(10).during(ofSeconds(10))));

        assertThat(offsets).hasSize(50);
        assertThat(offsets[0]).isZero();
        // integral 10 t^2 / 20 = k  =>  t = sqrt(2k)
        assertThat(offsets[2]).isEqualTo(2 * S);
        assertThat(offsets[8]).isEqualTo(4 * S);
        assertThat(offsets[49]).isLessThan(10 * S);
        long[] perSecond = perSecond(offsets, 10);
        for (int k = 0; k < 10; k++) {
            assertThat((double) perSecond[k]).as("second " + k).isCloseTo(k + 0.5, within(1.0));
        }
    }

    @Test
    void aRampDownToZeroStaysInsideItsStep() {
        long[] offsets = Injections.openStartOffsetsNanos(List.of(rampUsersPerSec(10).to(0).during(ofSeconds(10))));

        assertThat(offsets).hasSize(50);
        assertThat(offsets[49]).isLessThan(10 * S);
        long[] perSecond = perSecond(offsets, 10);
        for (int k = 0; k < 10; k++) {
            assertThat((double) perSecond[k]).as("second " + k).isCloseTo(9.5 - k, within(1.0));
        }
        assertNonDecreasing(offsets);
    }

    @Test
    void aFlatRampIsAConstantRate() {
        long[] flat = Injections.openStartOffsetsNanos(List.of(rampUsersPerSec(4).to(4).during(ofSeconds(5))));
        long[] almostFlat = Injections.openStartOffsetsNanos(
                List.of(rampUsersPerSec(4).to(4.000001).during(ofSeconds(5))));
        long[] constant = Injections.openStartOffsetsNanos(List.of(constantUsersPerSec(4).during(ofSeconds(5))));

        assertThat(flat).containsExactly(constant);
        assertThat(almostFlat).hasSameSizeAs(constant);
        for (int i = 0; i < constant.length; i++) {
            assertThat(almostFlat[i]).isCloseTo(constant[i], within(10_000L));
        }
    }

    @Test
    void nobodyStartsForZeroUsersOrAZeroRateButTheTimePasses() {
        List<Injection.Open> profile = List.of(atOnceUsers(0), rampUsers(0).during(ofSeconds(5)),
                constantUsersPerSec(0).during(ofSeconds(5)), rampUsersPerSec(0).to(0).during(ofSeconds(5)),
                atOnceUsers(1));

        assertThat(Injections.openStartOffsetsNanos(profile)).containsExactly(15 * S);
        assertThat(Injections.openLengthNanos(profile)).isEqualTo(15 * S);
    }

    @Test
    void aFractionalTotalRoundsToTheNearestUserHalfUp() {
        assertThat(Injections.openStartOffsetsNanos(List.of(constantUsersPerSec(0.5).during(ofSeconds(3)))))
                .containsExactly(0, 2 * S); // 1.5 -> 2, both inside the 3 s
        assertThat(Injections.openStartOffsetsNanos(List.of(constantUsersPerSec(1).during(ofMillis(1400)))))
                .containsExactly(0); // 1.4 -> 1
        assertThat(Injections.openStartOffsetsNanos(List.of(constantUsersPerSec(0.1).during(ofSeconds(1)))))
                .isEmpty(); // 0.1 -> 0
        // 0.3 * 10 is 3.0000000000000004 in floating point: still 3
        assertThat(Injections.openStartOffsetsNanos(List.of(constantUsersPerSec(0.3).during(ofSeconds(10)))))
                .hasSize(3);
        assertThat(Injections.openStartOffsetsNanos(List.of(rampUsersPerSec(0).to(1).during(ofSeconds(5)))))
                .hasSize(3); // 2.5 -> 3, the last at sqrt(20) s < 5 s
    }

    @Test
    void aRampOverAnOddDurationSpreadsUsersToTheNanosecond() {
        long[] offsets = Injections.openStartOffsetsNanos(List.of(rampUsers(3).during(ofMillis(1000))));

        assertThat(offsets).containsExactly(0, 333_333_333L, 666_666_666L);
    }

    @Test
    void aProfileTooLargeForOneArrayIsRejected() {
        assertThatThrownBy(() -> Injections.openStartOffsetsNanos(List.of(atOnceUsers(5),
                constantUsersPerSec(1e12).during(ofSeconds(1_000_000)))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than");
    }

    @Test
    void closedConcurrencyFollowsTheStepsAndIsZeroOutside() {
        List<Injection.Closed> profile = List.of(constantConcurrentUsers(20).during(ofSeconds(30)),
                rampConcurrentUsers(20).to(40).during(ofSeconds(10)),
                rampConcurrentUsers(10).to(0).during(ofSeconds(4)));

        assertThat(Injections.closedConcurrency(profile, -1)).isZero();
        assertThat(Injections.closedConcurrency(profile, 0)).isEqualTo(20);
        assertThat(Injections.closedConcurrency(profile, 30 * S - 1)).isEqualTo(20);
        assertThat(Injections.closedConcurrency(profile, 30 * S)).isEqualTo(20);
        assertThat(Injections.closedConcurrency(profile, 35 * S)).isEqualTo(30);
        assertThat(Injections.closedConcurrency(profile, 37_500_000_000L)).isEqualTo(35);
        assertThat(Injections.closedConcurrency(profile, 37_750_000_000L)).isEqualTo(36); // 35.5, half up
        assertThat(Injections.closedConcurrency(profile, 40 * S - 1)).isEqualTo(40);
        assertThat(Injections.closedConcurrency(profile, 40 * S)).isEqualTo(10);
        assertThat(Injections.closedConcurrency(profile, 42 * S)).isEqualTo(5);
        assertThat(Injections.closedConcurrency(profile, 44 * S - 1)).isZero();
        assertThat(Injections.closedConcurrency(profile, 44 * S)).isZero();
        assertThat(Injections.closedConcurrency(profile, Long.MAX_VALUE)).isZero();
        assertThat(Injections.closedLengthNanos(profile)).isEqualTo(44 * S);
    }

    @Test
    void aClosedRampRoundsHalfUp() {
        List<Injection.Closed> profile = List.of(rampConcurrentUsers(0).to(4).during(ofSeconds(8)));

        // 0.5 a second: 0, 0.5, 1, 1.5, ...
        assertThat(Injections.closedConcurrency(profile, 0)).isZero();
        assertThat(Injections.closedConcurrency(profile, 999_999_999L)).isZero();
        assertThat(Injections.closedConcurrency(profile, S)).isEqualTo(1);
        assertThat(Injections.closedConcurrency(profile, 3 * S)).isEqualTo(2);
        assertThat(Injections.closedConcurrency(profile, 7 * S)).isEqualTo(4);
    }

    @Test
    void emptyProfilesScheduleNothing() {
        assertThat(Injections.openStartOffsetsNanos(List.of())).isEmpty();
        assertThat(Injections.openLengthNanos(List.of())).isZero();
        assertThat(Injections.closedConcurrency(List.of(), 0)).isZero();
        assertThat(Injections.closedLengthNanos(List.of())).isZero();
    }

    private static long[] perSecond(long[] offsets, int seconds) {
        long[] counts = new long[seconds];
        for (long o : offsets) {
            counts[(int) (o / S)]++;
        }
        return counts;
    }

    private static void assertNonDecreasing(long[] offsets) {
        for (int i = 1; i < offsets.length; i++) {
            assertThat(offsets[i]).as("offset " + i).isGreaterThanOrEqualTo(offsets[i - 1]);
        }
    }
}
