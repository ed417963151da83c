/**
 * Runnable programs that show the library at work; {@link dev.zerocopy.samples.Main}
 * is the seed's array transfer over loopback.
 */
package dev.zerocopy.samples;
