package dev.zerocopy.internal;

import jdk.jfr.FlightRecorder;

/**
 * The gate in front of {@link TransferEvent}. Initialising a JFR event class registers it, which
 * initialises JFR itself and reads files: with the process out of descriptors that fails, and the
 * failed class would break every later transfer. Until a recording has initialised JFR there is
 * nothing to record, so the event class is not touched before then.
 */
public final class Jfr {

    private Jfr() {
    }

    /** Returns {@link TransferEvent#start}'s event once JFR is initialised, else null. */
    public static TransferEvent start(String operation) {
        return FlightRecorder.isInitialized() ? TransferEvent.start(operation) : null;
    }
}
