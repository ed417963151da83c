/**
 * Implementation of {@code dev.zerocopy}: not API. Types here change without
 * notice; use only what {@code dev.zerocopy} exports.
 */
package dev.zerocopy.internal;
