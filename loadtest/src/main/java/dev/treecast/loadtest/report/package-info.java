/**
 * The run's record and its report. The engine writes an {@link dev.treecast.loadtest.report.EventLog} (JSON lines)
 * while the run goes; afterwards {@link dev.treecast.loadtest.report.RunLog} reads it back into the
 * {@link dev.treecast.loadtest.model.Summary} the assertions are evaluated on, and
 * {@link dev.treecast.loadtest.report.Report} writes a self-contained {@code index.html} and a {@code summary.json}.
 * Raw first, report after, as in Gatling: a report can be rebuilt from the log of any run, even a killed one.
 */
package dev.treecast.loadtest.report;
