package dev.zerocopy.benchmarks.report;

/**
 * One section of {@code RESULTS.md}. A section only writes: its figures are computed from the
 * run's inputs, and the targets judged, before any section is written.
 */
interface Section {

    /** Returns the section's Markdown, from its heading to the blank line that ends it. */
    String section();
}
