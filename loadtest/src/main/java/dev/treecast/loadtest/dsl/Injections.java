package dev.treecast.loadtest.dsl;

import java.util.List;

import dev.treecast.loadtest.model.Injection;

/**
 * The schedule an injection profile stands for, as pure arithmetic (no clock, no threads): the engine asks when
 * each open-workload viewer starts and how many closed-workload viewers should be watching at an offset. Offsets
 * are nanoseconds from the start of the population's profile; steps run one after the other.
 *
 * <p>Rate steps follow one rule: viewer {@code k} (from 0) starts when the integral of the rate since the step's
 * start reaches {@code k}, so the first starts at the step's start. A step's total ({@code rate x duration}, or the
 * ramp's area) is rounded to the nearest whole viewer, half up, as Gatling does; the fraction is not carried to the
 * next step. Rounding keeps every start inside the step (viewer {@code round(total) - 1} needs an integral of at
 * most {@code total - 0.5}) and makes a total that floating point computes as 9.999999 or 10.000001 give 10.
 */
public final class Injections {
    /** A bound on the users one profile may schedule (the offsets are one array). */
    static final long MAX_USERS = Integer.MAX_VALUE - 8;

    private static final double NANOS_PER_SECOND = 1e9;

    private Injections() {
    }

    /**
     * The start offset of every viewer of an open profile, in order (non-decreasing).
     * <ul>
     * <li>{@code atOnceUsers(n)}: n viewers at the step's start;</li>
     * <li>{@code rampUsers(n).during(d)}: viewer i at {@code i * d / n} (rounded down to the nanosecond);</li>
     * <li>{@code constantUsersPerSec(r).during(d)}: {@code round(r * d)} viewers, viewer k at {@code k / r};</li>
     * <li>{@code rampUsersPerSec(a).to(b).during(d)}: {@code round((a + b) / 2 * d)} viewers, viewer k when
     *     {@code a t + (b - a) t^2 / 2d} reaches k;</li>
     * <li>{@code nothingFor(d)}: a gap.</li>
     * </ul>
     *
     * @throws IllegalArgumentException when the profile adds up to more viewers than an array holds
     */
    public static long[] openStartOffsetsNanos(List<? extends Injection.Open> steps) {
        long total = 0;
        for (Injection.Open step : steps) {
            long users = users(step);
            if (users > MAX_USERS - total) {
                throw new IllegalArgumentException("the injection profile starts more than " + MAX_USERS
                        + " viewers: " + steps);
            }
            total += users;
        }
        long[] offsets = new long[(int) total];
        int next = 0;
        long stepStart = 0;
        for (Injection.Open step : steps) {
            long stepNanos = step.duration().toNanos();
            int n = (int) users(step);
            switch (step) {
                case Injection.AtOnce atOnce -> {
                    for (int i = 0; i < n; i++) {
                        offsets[next++] = stepStart;
                    }
                }
                case Injection.Ramp ramp when n > 0 -> {
                    // i * d / n without overflow: d = q n + r, so i d / n = i q + i r / n, and i r < n^2 < 2^62
                    long q = stepNanos / n;
                    long r = stepNanos % n;
                    for (long i = 0; i < n; i++) {
                        offsets[next++] = stepStart + i * q + i * r / n;
                    }
                }
                case Injection.ConstantRate rate -> {
                    for (int k = 0; k < n; k++) {
                        offsets[next++] = stepStart + Math.round(k * NANOS_PER_SECOND / rate.perSecond());
                    }
                }
                case Injection.RampRate ramp -> {
                    double seconds = stepNanos / NANOS_PER_SECOND;
                    for (int k = 0; k < n; k++) {
                        offsets[next++] = stepStart
                                + Math.round(rampRateStart(ramp.from(), ramp.to(), seconds, k) * NANOS_PER_SECOND);
                    }
                }
                case Injection.Ramp ramp -> {
                }
                case Injection.Nothing nothing -> {
                }
            }
            stepStart = Math.addExact(stepStart, stepNanos);
        }
        return offsets;
    }

    /** How long an open profile lasts: the sum of its steps' durations ({@code atOnceUsers} takes none). */
    public static long openLengthNanos(List<? extends Injection.Open> steps) {
        long length = 0;
        for (Injection.Open step : steps) {
            length = Math.addExact(length, step.duration().toNanos());
        }
        return length;
    }

    /**
     * How many viewers of a closed profile should be watching at {@code offsetNanos}:
     * {@code constantConcurrentUsers(n)} gives n; {@code rampConcurrentUsers(a).to(b).during(d)} goes linearly from
     * a (at the step's start) towards b, rounded half up; before 0 and from the end of the last step on, 0.
     */
    public static int closedConcurrency(List<? extends Injection.Closed> steps, long offsetNanos) {
        if (offsetNanos < 0) {
            return 0;
        }
        long stepStart = 0;
        for (Injection.Closed step : steps) {
            long stepNanos = step.duration().toNanos();
            long elapsed = offsetNanos - stepStart;
            if (elapsed < stepNanos) {
                return switch (step) {
                    case Injection.ConstantConcurrent constant -> constant.users();
                    case Injection.RampConcurrent ramp -> (int) Math.round(
                            ramp.from() + (ramp.to() - ramp.from()) * ((double) elapsed / stepNanos));
                };
            }
            stepStart = Math.addExact(stepStart, stepNanos);
        }
        return 0;
    }

    /** How long a closed profile lasts: the sum of its steps' durations. */
    public static long closedLengthNanos(List<? extends Injection.Closed> steps) {
        long length = 0;
        for (Injection.Closed step : steps) {
            length = Math.addExact(length, step.duration().toNanos());
        }
        return length;
    }

    /** The viewers an open step starts (see the class comment for how a fractional total rounds). */
    static long users(Injection.Open step) {
        return switch (step) {
            case Injection.AtOnce atOnce -> atOnce.users();
            case Injection.Ramp ramp -> ramp.users();
            case Injection.ConstantRate rate -> Math.round(rate.perSecond() * seconds(rate.duration().toNanos()));
            case Injection.RampRate ramp ->
                    Math.round((ramp.from() + ramp.to()) / 2 * seconds(ramp.duration().toNanos()));
            case Injection.Nothing nothing -> 0;
        };
    }

    /**
     * When (seconds into the step) the integral {@code a t + (b - a) t^2 / 2d} of a rate going from a to b over d
     * reaches k. Solving the quadratic as {@code t = 2k / (a + sqrt(a^2 + 2 (b - a) k / d))} rather than with the
     * textbook {@code (-a + sqrt(...)) / ...} avoids dividing by b - a (so a == b needs no special case) and the
     * cancellation when b is close to a; the square root is the rate at t, so it is never negative for a k the
     * step reaches, and the denominator is 0 only for k == 0 with a == 0.
     */
    static double rampRateStart(double a, double b, double d, long k) {
        if (k == 0) {
            return 0;
        }
        double rateAtT = Math.sqrt(Math.max(0, a * a + 2 * (b - a) * k / d));
        return 2 * k / (a + rateAtT);
    }

    private static double seconds(long nanos) {
        return nanos / NANOS_PER_SECOND;
    }
}
