/**
 * Test support shared with the Ktor adapter's tests through core's test-jar: the fault
 * proxy and CPU accounting. Not part of any published API.
 */
package dev.zerocopy.testing;
