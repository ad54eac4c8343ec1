package dev.treecast.systemtest;

import java.util.Map;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * What the emulated network does to one IPv4 packet crossing the switch: which links it crosses (by address:
 * host {@code i} is {@code 10.77.i.2}), whether it is lost, and when it leaves. A packet from host A to host B
 * crosses A's link then B's link; each crossing draws its own delay (normal, mean and deviation per link, never
 * negative) and its own loss, as netem on both ends of every veth would. Unlike netem with jitter, packets between
 * the same two hosts never overtake each other: jitter on real paths comes from queues, which keep order, and QUIC
 * would read reordering as loss. (So a packet drawn shorter than the one ahead of it waits for it: a burst sent at
 * once leaves with its slowest draw, a little over the mean.)
 *
 * <p>No thread, no clock: the caller passes the time and owns the randomness. One owner thread (the reader).
 * Public because {@code DelayLine}, run from source in another class loader, uses it.
 */
public final class Impairment {
    /** Addresses {@code 10.77.x.y}: the emulated network; anything else is not ours and is dropped. */
    static final int NET_A = 10;
    static final int NET_B = 77;
    /** Links are numbered 1..MAX_LINKS by the third octet. */
    public static final int MAX_LINKS = 32;

    /** One host's link to the switch: one-way delay per crossing, its deviation, and the loss per crossing. */
    public record Link(int index, double meanMillis, double jitterMillis, double loss) {
        public Link {
            if (index < 1 || index > MAX_LINKS) {
                throw new IllegalArgumentException("link index must be in 1.." + MAX_LINKS + ", got " + index);
            }
            if (meanMillis < 0 || jitterMillis < 0 || loss < 0 || loss >= 1) {
                throw new IllegalArgumentException("bad link " + index + ": delay " + meanMillis + " ms, jitter "
                        + jitterMillis + " ms, loss " + loss);
            }
        }

        /** {@code index:meanMs:jitterMs:loss}, e.g. {@code 2:12:3:0.0075}. */
        public static Link parse(String text) {
            String[] p = text.split(":");
            if (p.length != 4) {
                throw new IllegalArgumentException("expected index:meanMs:jitterMs:loss, got '" + text + "'");
            }
            return new Link(Integer.parseInt(p[0]), Double.parseDouble(p[1]), Double.parseDouble(p[2]),
                    Double.parseDouble(p[3]));
        }

        public String format() {
            return index + ":" + meanMillis + ":" + jitterMillis + ":" + loss;
        }
    }

    /** Why a packet was not forwarded, or {@link #FORWARD}. */
    public enum Verdict { FORWARD, LOST, FOREIGN }

    private final Link[] links = new Link[MAX_LINKS + 1];
    private final RandomGenerator random;
    /** Last release time per (from, to) pair, so that a pair's packets keep their order. */
    private final long[][] lastRelease = new long[MAX_LINKS + 1][MAX_LINKS + 1];
    private final boolean[][] released = new boolean[MAX_LINKS + 1][MAX_LINKS + 1];
    private long releaseNanos;
    private long forwarded;
    private long lost;
    private long foreign;
    private long addedNanos;

    /** @param links every host's link; a packet to or from an address of no link is dropped as foreign */
    public Impairment(Map<Integer, Link> links, RandomGenerator random) {
        for (Link l : links.values()) {
            this.links[l.index()] = l;
        }
        this.random = Objects.requireNonNull(random, "random");
    }

    /**
     * Judges the IPv4 packet in {@code packet[0..length)} arriving at {@code nowNanos}. When it is forwarded,
     * {@link #releaseNanos()} says when it leaves.
     */
    public Verdict admit(byte[] packet, int length, long nowNanos) {
        int from = linkOf(packet, length, 12);
        int to = linkOf(packet, length, 16);
        if (from < 0 || to < 0) {
            foreign++;
            return Verdict.FOREIGN;
        }
        Link a = links[from];
        Link b = links[to];
        if (lostOn(a) || lostOn(b)) {
            lost++;
            return Verdict.LOST;
        }
        long delay = delayOn(a) + delayOn(b);
        long at = nowNanos + delay;
        if (released[from][to] && at - lastRelease[from][to] <= 0) {
            at = lastRelease[from][to] + 1;
        }
        released[from][to] = true;
        lastRelease[from][to] = at;
        releaseNanos = at;
        addedNanos += at - nowNanos;
        forwarded++;
        return Verdict.FORWARD;
    }

    /** When the last forwarded packet leaves. */
    public long releaseNanos() {
        return releaseNanos;
    }

    public long forwarded() {
        return forwarded;
    }

    public long lost() {
        return lost;
    }

    public long foreign() {
        return foreign;
    }

    /** Mean delay added to forwarded packets, in milliseconds. */
    public double meanAddedMillis() {
        return forwarded == 0 ? 0 : addedNanos / 1e6 / forwarded;
    }

    private boolean lostOn(Link link) {
        return link.loss() > 0 && random.nextDouble() < link.loss();
    }

    private long delayOn(Link link) {
        if (link.meanMillis() == 0 && link.jitterMillis() == 0) {
            return 0;
        }
        double ms = link.meanMillis() + link.jitterMillis() * random.nextGaussian();
        return Math.max(0, Math.round(ms * 1e6));
    }

    /** The link of the IPv4 address at {@code offset}, or -1 when the packet is not IPv4 or not ours. */
    private int linkOf(byte[] packet, int length, int offset) {
        if (length < 20 || (packet[0] & 0xf0) != 0x40) {
            return -1;
        }
        if ((packet[offset] & 0xff) != NET_A || (packet[offset + 1] & 0xff) != NET_B) {
            return -1;
        }
        int index = packet[offset + 2] & 0xff;
        return index <= MAX_LINKS && links[index] != null ? index : -1;
    }
}
