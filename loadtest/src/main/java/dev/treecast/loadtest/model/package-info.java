/**
 * What a load test is, as plain immutable values: the DSL ({@code dev.treecast.loadtest.dsl}) builds them, the
 * engine ({@code dev.treecast.loadtest.engine}) runs them, the report ({@code dev.treecast.loadtest.report})
 * sums the run up in a {@link Summary}, against which the DSL's {@code Assertions} are evaluated. Validation happens in the compact constructors, so an impossible value never exists.
 */
package dev.treecast.loadtest.model;
