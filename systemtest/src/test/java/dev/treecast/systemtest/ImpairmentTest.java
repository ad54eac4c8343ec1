package dev.treecast.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ImpairmentTest {
    private static final long MS = 1_000_000L;

    /** An IPv4 header (20 bytes, the rest zero) from {@code 10.77.from.2} to {@code 10.77.to.2}. */
    private static byte[] packet(int from, int to) {
        byte[] p = new byte[60];
        p[0] = 0x45;
        p[12] = 10;
        p[13] = 77;
        p[14] = (byte) from;
        p[15] = 2;
        p[16] = 10;
        p[17] = 77;
        p[18] = (byte) to;
        p[19] = 2;
        return p;
    }

    @Test
    void aPacketIsDelayedByBothLinksItCrosses() {
        Impairment net = new Impairment(Map.of(1, new Impairment.Link(1, 10, 0, 0), 2,
                new Impairment.Link(2, 15, 0, 0)), new SplittableRandom(1));
        assertThat(net.admit(packet(1, 2), 60, 1_000 * MS)).isEqualTo(Impairment.Verdict.FORWARD);
        assertThat(net.releaseNanos()).isEqualTo(1_025 * MS);
        assertThat(net.admit(packet(2, 1), 60, 2_000 * MS)).isEqualTo(Impairment.Verdict.FORWARD);
        assertThat(net.releaseNanos()).isEqualTo(2_025 * MS);
        assertThat(net.meanAddedMillis()).isEqualTo(25.0);
    }

    @Test
    void lossAndJitterFollowTheConfiguredDistributions() {
        Impairment net = new Impairment(Map.of(1, new Impairment.Link(1, 10, 3, 0.0075), 2,
                new Impairment.Link(2, 20, 3, 0.0075)), new SplittableRandom(42));
        int n = 200_000;
        long lost = 0;
        double sum = 0;
        double sumSq = 0;
        long forwarded = 0;
        for (int i = 0; i < n; i++) {
            long now = i * 50 * MS; // far apart: no packet waits behind the one before it
            if (net.admit(packet(1, 2), 60, now) == Impairment.Verdict.LOST) {
                lost++;
                continue;
            }
            double ms = (net.releaseNanos() - now) / 1e6;
            sum += ms;
            sumSq += ms * ms;
            forwarded++;
        }
        // Two crossings of 0.75 %: 1 - 0.9925² = 1.494 %; 200,000 packets give a standard error of 0.027 %.
        assertThat(100.0 * lost / n).isBetween(1.39, 1.60);
        double mean = sum / forwarded;
        assertThat(mean).isBetween(29.9, 30.1);
        // Two independent deviations of 3 ms: sqrt(2) * 3 = 4.24 ms.
        assertThat(Math.sqrt(sumSq / forwarded - mean * mean)).isBetween(4.1, 4.4);
        assertThat(net.lost()).isEqualTo(lost);
        assertThat(net.forwarded()).isEqualTo(forwarded);
    }

    @Test
    void packetsBetweenTwoHostsNeverOvertakeEachOther() {
        Impairment net = new Impairment(Map.of(1, new Impairment.Link(1, 10, 3, 0), 2,
                new Impairment.Link(2, 20, 3, 0)), new SplittableRandom(7));
        long last = Long.MIN_VALUE;
        for (int i = 0; i < 10_000; i++) {
            long now = i * 100_000L; // 0.1 ms apart, much closer than the jitter, as a burst is
            assertThat(net.admit(packet(1, 2), 60, now)).isEqualTo(Impairment.Verdict.FORWARD);
            assertThat(net.releaseNanos()).as("packet %d leaves after the one before it", i).isGreaterThan(last);
            last = net.releaseNanos();
        }
        // The other direction is another queue: its first packet is not held behind this one's.
        net.admit(packet(2, 1), 60, 0);
        assertThat(net.releaseNanos()).isLessThan(100 * MS);
    }

    @Test
    void packetsThatAreNotOursAreDroppedAsForeign() {
        Impairment net = new Impairment(Map.of(1, new Impairment.Link(1, 0, 0, 0)), new SplittableRandom(1));
        byte[] toUnknownLink = packet(1, 9);
        byte[] outside = packet(1, 1);
        outside[16] = (byte) 192;
        byte[] ipv6 = packet(1, 1);
        ipv6[0] = 0x60;
        for (byte[] p : new byte[][] {toUnknownLink, outside, ipv6}) {
            assertThat(net.admit(p, p.length, 0)).isEqualTo(Impairment.Verdict.FOREIGN);
        }
        assertThat(net.admit(packet(1, 1), 10, 0)).as("shorter than an IPv4 header")
                .isEqualTo(Impairment.Verdict.FOREIGN);
        assertThat(net.foreign()).isEqualTo(4);
        assertThat(net.forwarded()).isZero();
    }

    @Test
    void linksParseFromTheCommandLineAndRejectNonsense() {
        assertThat(Impairment.Link.parse("3:12.5:3:0.0075")).isEqualTo(new Impairment.Link(3, 12.5, 3, 0.0075));
        assertThat(Impairment.Link.parse(new Impairment.Link(2, 10, 1, 0.01).format()))
                .isEqualTo(new Impairment.Link(2, 10, 1, 0.01));
        assertThatThrownBy(() -> Impairment.Link.parse("3:12")).hasMessageContaining("index:meanMs:jitterMs:loss");
        assertThatThrownBy(() -> new Impairment.Link(0, 1, 1, 0)).hasMessageContaining("link index");
        assertThatThrownBy(() -> new Impairment.Link(1, 1, 1, 1.0)).hasMessageContaining("bad link 1");
    }
}
