/**
 * JMH benchmarks, run from {@code target/benchmarks.jar}. The suite that compares
 * the library with its references is not written yet; this package holds the
 * module's build until it is.
 */
package dev.zerocopy.benchmarks;
