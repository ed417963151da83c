/**
 * The report of a benchmark run: reads JMH's JSON output and the references' JSON (with Gson),
 * checks the results against the benchmarks it knows ({@code KnownBenchmarks}), computes the
 * figures and ratios, judges the targets (data, in {@code Targets}) once, and writes
 * {@code RESULTS.md}, one small section writer per section, and the throughput chart (with
 * XChart). Run by {@code run.sh}; not API.
 */
package dev.zerocopy.benchmarks.report;
