/**
 * The report of a benchmark run: reads JMH's JSON output and the references' JSON (with Gson),
 * computes the figures and ratios, judges the targets (data, in {@code Targets}) once, and writes {@code RESULTS.md} and the
 * throughput chart (with XChart). Run by {@code benchmarks/run.sh}; not API.
 */
package dev.zerocopy.benchmarks.report;
