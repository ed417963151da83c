package dev.zerocopy.internal;

import dev.zerocopy.TransferReport;
import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/**
 * The JFR event of one transfer, from its first step to its end, complete or failed. File
 * transfers emit it themselves; the blocking loops emit it for view transfers.
 *
 * <p>Transfers shorter than the threshold (10 ms unless a recording's settings say otherwise)
 * are not recorded. Nothing is allocated unless a recording has the event enabled:
 * {@link #start()} returns null then, and a transfer that holds null does nothing more.
 */
@Name(TransferEvent.NAME)
@Label("Transfer")
@Category({"zerocopy"})
@Description("A zerocopy transfer of a file range or of byte views: bytes moved, by which mode, and why it fell back")
@Threshold("10 ms")
@StackTrace(false)
public final class TransferEvent extends Event {

    /** The event's name in recordings and settings. */
    public static final String NAME = "dev.zerocopy.Transfer";

    @Label("Operation")
    @Description("sendFile, recvFile, send or recv")
    String operation;

    @Label("Byte Count")
    @Description("The bytes the transfer was to move")
    @DataAmount
    long byteCount;

    @Label("Transferred")
    @Description("The bytes it moved")
    @DataAmount
    long transferred;

    @Label("Zero-Copied")
    @Description("The bytes the kernel moved by transferTo or transferFrom")
    @DataAmount
    long zeroCopied;

    @Label("Copied")
    @Description("The bytes a file transfer moved through user space")
    @DataAmount
    long copied;

    @Label("Mode")
    @Description("ZERO_COPY or COPY for a file transfer (the mode that ran last); empty for views")
    String mode;

    @Label("Fallback Code")
    @Description("Why a file transfer ran the copy loop (a FallbackCode), or empty")
    String fallbackCode;

    @Label("Steps")
    @Description("The read or write calls made")
    long steps;

    @Label("Zero Returns")
    @Description("The steps that moved nothing")
    long zeroReturns;

    @Label("Waits")
    @Description("The waits for readiness or writability during the transfer, where the driver counts them")
    long waits;

    @Label("Completed")
    @Description("Whether the transfer moved all its bytes")
    boolean completed;

    /**
     * Returns a begun event if a recording has the event enabled, else null: the one check a
     * transfer makes when nothing records it.
     */
    public static TransferEvent start(String operation) {
        // Until a recording initialises JFR there is nothing to record, and registering the event
        // would initialise JFR from the first transfer, reading files: with the process out of
        // descriptors that fails, and the failed class initialisation would break every transfer.
        if (!FlightRecorder.isInitialized() || !Registered.TYPE.isEnabled()) {
            return null;
        }
        TransferEvent event = new TransferEvent();
        event.operation = operation;
        event.begin();
        return event;
    }

    /** The event's registration, made at the first transfer after JFR was initialised. */
    private static final class Registered {
        static final EventType TYPE = EventType.getEventType(TransferEvent.class);
    }

    /** Ends the event and commits it with the figures of {@code report} if it lasted past the threshold. */
    public void finish(TransferReport report) {
        end();
        if (shouldCommit()) {
            this.byteCount = report.byteCount();
            this.transferred = report.transferred();
            this.zeroCopied = report.zeroCopied();
            this.copied = report.copied();
            this.mode = report.mode() == null ? null : report.mode().name();
            this.fallbackCode = report.fallbackCode() == null ? null : report.fallbackCode().name();
            this.steps = report.steps();
            this.zeroReturns = report.zeroReturns();
            this.waits = report.waits();
            this.completed = report.isComplete();
            commit();
        }
    }
}
