/**
 * What a load test is, as plain immutable values: the DSL ({@code dev.treecast.loadtest.dsl}) builds them, the
 * engine ({@code dev.treecast.loadtest.engine}) runs them, the report ({@code dev.treecast.loadtest.report})
 * evaluates the assertions. Validation happens in the compact constructors, so an impossible value never exists.
 */
package dev.treecast.loadtest.model;
