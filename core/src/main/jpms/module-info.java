/**
 * zerocopy's core: zero-copy byte views, send and receive loops, frames and file
 * transfers, with no dependency outside the JDK.
 *
 * <p>Applications use {@code dev.zerocopy}. {@code dev.zerocopy.internal} is the
 * implementation: it is exported only to the Kotlin adapter ({@code dev.zerocopy.ktor}),
 * which drives the same frame steps, so a modular application cannot compile against it
 * or reach it by reflection.
 */
// The adapter is optional: compiling core alone reports it as a missing module.
@SuppressWarnings("module")
module dev.zerocopy.core {
    // JFR events (TransferEvent); jdk.jfr is in every JDK, so core keeps no dependency outside it.
    requires jdk.jfr;
    exports dev.zerocopy;
    exports dev.zerocopy.internal to dev.zerocopy.ktor;
}
