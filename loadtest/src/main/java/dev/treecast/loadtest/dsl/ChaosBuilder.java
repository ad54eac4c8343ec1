package dev.treecast.loadtest.dsl;

import java.time.Duration;

import dev.treecast.loadtest.model.ChaosSpec;
import dev.treecast.loadtest.model.RelaySelector;

/** A fault and its victim, e.g. {@code killRelay(anyRelay())}: not a chaos step until it knows when. */
public final class ChaosBuilder {
    private final ChaosSpec.Action action;
    private final RelaySelector selector;

    ChaosBuilder(ChaosSpec.Action action, RelaySelector selector) {
        if (selector == null) {
            throw new IllegalArgumentException("a chaos step needs a relay selector, e.g. anyRelay()");
        }
        this.action = action;
        this.selector = selector;
    }

    /** Once, {@code at} after the run starts (add {@link ChaosStep.Once#thenEvery(Duration)} to repeat). */
    public ChaosStep.Once at(Duration at) {
        return new ChaosStep.Once(new ChaosSpec(action, selector, at, null));
    }

    /** Once, {@code seconds} seconds after the run starts. */
    public ChaosStep.Once at(long seconds) {
        return at(Duration.ofSeconds(seconds));
    }

    /** Every {@code period} until the run ends, the first one {@code period} after the start. */
    public ChaosStep every(Duration period) {
        return new ChaosStep.Repeating(new ChaosSpec(action, selector, period, period));
    }

    /** Every {@code seconds} seconds until the run ends, the first one {@code seconds} after the start. */
    public ChaosStep every(long seconds) {
        return every(Duration.ofSeconds(seconds));
    }
}
