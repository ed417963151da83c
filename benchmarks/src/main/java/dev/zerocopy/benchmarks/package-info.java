/**
 * JMH benchmarks of the library against the references a user would pick instead, run from
 * {@code target/benchmarks.jar} by {@code benchmarks/run.sh}, which also measures the
 * Python recipe and iperf3 and writes {@code RESULTS.md} with the report in
 * {@link dev.zerocopy.benchmarks.report}. Each benchmark class opens with a comment saying
 * what it measures and what is set up outside the measured region. Not API.
 */
package dev.zerocopy.benchmarks;
