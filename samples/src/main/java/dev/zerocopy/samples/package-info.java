/**
 * Runnable programs that show the library at work, behind one command line
 * ({@link dev.zerocopy.samples.Main}): {@code arrays} (the seed's array transfer),
 * {@code chat}, {@code stream} and {@code load}.
 */
package dev.zerocopy.samples;
