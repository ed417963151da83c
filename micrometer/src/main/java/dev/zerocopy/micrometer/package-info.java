/**
 * Micrometer meters for zerocopy. Bind {@link dev.zerocopy.micrometer.ZeroCopyMetrics} to a
 * registry once per process; its meters read the core's
 * {@link dev.zerocopy.TransferCounters} when the registry is scraped, so transfers pay
 * nothing for them beyond the core's own counting.
 */
package dev.zerocopy.micrometer;
