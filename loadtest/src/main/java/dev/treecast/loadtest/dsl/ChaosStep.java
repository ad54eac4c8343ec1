package dev.treecast.loadtest.dsl;

import java.time.Duration;

import dev.treecast.loadtest.model.ChaosSpec;

/** A complete chaos step, as {@code chaos(...)} takes it: a fault, its victim and when. */
public sealed interface ChaosStep permits ChaosStep.Once, ChaosStep.Repeating {
    /** The step as a model value. */
    ChaosSpec spec();

    /** A fault at one instant, which {@link #thenEvery(Duration)} can turn into a periodic one. */
    final class Once implements ChaosStep {
        private final ChaosSpec spec;

        Once(ChaosSpec spec) {
            this.spec = spec;
        }

        /** After the first time, again every {@code period} until the run ends. */
        public ChaosStep thenEvery(Duration period) {
            return new Repeating(new ChaosSpec(spec.action(), spec.selector(), spec.at(), period));
        }

        /** After the first time, again every {@code seconds} seconds until the run ends. */
        public ChaosStep thenEvery(long seconds) {
            return thenEvery(Duration.ofSeconds(seconds));
        }

        @Override
        public ChaosSpec spec() {
            return spec;
        }

        @Override
        public String toString() {
            return spec.toString();
        }
    }

    /** A fault repeated until the run ends. */
    final class Repeating implements ChaosStep {
        private final ChaosSpec spec;

        Repeating(ChaosSpec spec) {
            this.spec = spec;
        }

        @Override
        public ChaosSpec spec() {
            return spec;
        }

        @Override
        public String toString() {
            return spec.toString();
        }
    }
}
