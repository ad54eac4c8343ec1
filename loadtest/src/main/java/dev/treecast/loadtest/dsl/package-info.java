/**
 * A Gatling-shaped Java DSL that builds the load-test values of {@code dev.treecast.loadtest.model}.
 *
 * <p>Statically import {@link dev.treecast.loadtest.dsl.LoadDsl}, extend {@link dev.treecast.loadtest.dsl.Simulation}
 * and call {@code setUp(...)} from an instance initializer. The builders are immutable and shaped so that an
 * incomplete step does not compile: {@code rampUsers(10)} is not an injection step until {@code .during(d)},
 * {@code watch("demo")} is not a step until {@code .forDuration(d)}, open and closed steps are different types, and a
 * fleet target offers no chaos. Values are validated as soon as they are built, so a bad number fails on the line
 * that wrote it.
 *
 * <p>{@link dev.treecast.loadtest.dsl.Injections} (when viewers start) and
 * {@link dev.treecast.loadtest.dsl.Assertions} (what held) are the pure functions the engine and the report use.
 */
package dev.treecast.loadtest.dsl;
