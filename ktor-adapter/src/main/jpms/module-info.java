/**
 * zerocopy's Kotlin adapter: the core's transfers as suspending functions over Ktor raw
 * sockets and channels, and {@code CompletableFuture}s of them for Java callers.
 *
 * <p>Only {@code dev.zerocopy.ktor} is API; {@code dev.zerocopy.ktor.internal} is not
 * exported. The core, Ktor's sockets and channels, coroutines and the Kotlin standard
 * library appear in its signatures, so this module requires them transitively.
 */
// Ktor's jars are automatic modules (named by their Automatic-Module-Name).
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.zerocopy.ktor {
    requires transitive dev.zerocopy.core;
    requires transitive io.ktor.network;
    requires transitive io.ktor.io;
    requires transitive kotlinx.coroutines.core;
    requires transitive kotlin.stdlib;
    // The driver records the core's JFR event for view transfers.
    requires jdk.jfr;

    exports dev.zerocopy.ktor;
}
