package dev.zerocopy.samples.stream;

/** The stream server's contract with files sent from disk by the adapter's {@code sendFile}. */
final class StreamServerDiskTest extends StreamServerContract {
    @Override
    boolean cache() {
        return false;
    }
}
