package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.internal.Calibration;
import dev.zerocopy.internal.Calibration.Decision;
import dev.zerocopy.internal.Calibration.PeerClass;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class CalibrationTest {

    private static final long MIB = 1 << 20;

    @Test
    void measuresBothModesInTurnThenTakesTheFasterAndReMeasuresTheOther() {
        Calibration calibration = new Calibration();
        for (int i = 0; i < 6; i++) {
            Decision decision = calibration.choose(PeerClass.REMOTE, 8 * MIB);
            assertEquals(i % 2 == 0 ? FileMode.ZERO_COPY : FileMode.COPY, decision.mode(), decision.reason());
            assertTrue(decision.measured() && decision.reason().startsWith("AUTO is measuring remote peers"),
                    decision.reason());
            // zero-copy moves 8 MiB in 4 ms (2 GB/s), the copy loop in 8 ms
            calibration.record(PeerClass.REMOTE, decision.mode(), 8 * MIB,
                    decision.mode() == FileMode.ZERO_COPY ? 4_000_000 : 8_000_000, calibration.started(PeerClass.REMOTE));
        }
        int remeasured = 0;
        for (int i = 0; i < 32; i++) {
            Decision decision = calibration.choose(PeerClass.REMOTE, 8 * MIB);
            if (decision.mode() == FileMode.COPY) {
                remeasured++;
                assertTrue(decision.reason().startsWith("AUTO re-measures the copy loop on 1 in 16"),
                        decision.reason());
            } else {
                assertEquals("AUTO takes the mode measured faster: to remote peers, zero-copy averages 1.95 GiB/s"
                        + " and the copy loop 0.98 GiB/s in all (a send's rate times the sends in flight beside it; 3 and 3 sends"
                        + " measured)", decision.reason());
            }
        }
        assertEquals(2, remeasured);
        assertEquals(FileMode.ZERO_COPY, calibration.choose(PeerClass.REMOTE, 1000).mode(), "small: the measured choice");
        assertEquals(FileMode.COPY, calibration.choose(PeerClass.LOCAL, 1000).mode(), "another class knows nothing yet");
    }

    @Test
    void followsTheLoadWhenTheOtherModeBecomesFaster() {
        Calibration calibration = new Calibration();
        for (int i = 0; i < 3; i++) {
            calibration.record(PeerClass.LOCAL, FileMode.ZERO_COPY, 8 * MIB, 8_000_000, calibration.started(PeerClass.LOCAL));
            calibration.record(PeerClass.LOCAL, FileMode.COPY, 8 * MIB, 4_000_000, calibration.started(PeerClass.LOCAL));
        }
        assertEquals(FileMode.COPY, calibration.choose(PeerClass.LOCAL, 8 * MIB).mode());
        // Under load the copy loop slows to a quarter; re-measured samples move its average down.
        for (int i = 0; i < 6; i++) {
            calibration.record(PeerClass.LOCAL, FileMode.COPY, 8 * MIB, 16_000_000, calibration.started(PeerClass.LOCAL));
        }
        assertEquals(FileMode.ZERO_COPY, calibration.choose(PeerClass.LOCAL, 8 * MIB).mode());
    }

    @Test
    void aSendsRateCountsTheSendsInFlightBesideIt() {
        Calibration calibration = new Calibration();
        // Zero-copy measured alone at 1 GB/s; then the copy loop with 8 sends in flight at 0.25 GB/s each.
        for (int i = 0; i < 3; i++) {
            calibration.record(PeerClass.REMOTE, FileMode.ZERO_COPY, 8 * MIB, 8 * MIB,
                    calibration.started(PeerClass.REMOTE));
        }
        int[] counts = new int[8];
        for (int i = 0; i < 8; i++) {
            counts[i] = calibration.started(PeerClass.REMOTE);
        }
        for (int i = 0; i < 3; i++) {
            calibration.record(PeerClass.REMOTE, FileMode.COPY, 8 * MIB, 32 * MIB, counts[i]);
        }
        // Each of the three measured copy-loop sends had 4.5 in flight on average (started 1st to 3rd of 8,
        // ended with 8 to 6 left): 0.25 x 4.5 = 1.125 GB/s in all, above zero-copy's 1.0 alone.
        assertEquals(1.125e9, calibration.rate(PeerClass.REMOTE, FileMode.COPY), 1e3);
        assertEquals(1.0e9, calibration.rate(PeerClass.REMOTE, FileMode.ZERO_COPY), 1e3);
        assertEquals(FileMode.COPY, calibration.choose(PeerClass.REMOTE, 8 * MIB).mode());
    }

    @Test
    void transfersTooSmallToMeasureTakeThePriorAndReportNothing() {
        Calibration calibration = new Calibration();
        Decision remote = calibration.choose(PeerClass.REMOTE, MIB - 1);
        Decision local = calibration.choose(PeerClass.LOCAL, MIB - 1);
        assertEquals(FileMode.ZERO_COPY, remote.mode());
        assertEquals(FileMode.COPY, local.mode());
        assertFalse(remote.measured() || local.measured());
        calibration.record(PeerClass.REMOTE, FileMode.ZERO_COPY, MIB - 1, 1000, calibration.started(PeerClass.REMOTE));
        assertEquals(0, calibration.samples(PeerClass.REMOTE, FileMode.ZERO_COPY));
    }

    @Test
    void automaticSendsOverLoopbackTakeTheModeTheirMeasurementsSay(@TempDir Path dir) throws Exception {
        Path file = Files.write(dir.resolve("content.bin"), Bytes.random(4 << 20, 5));
        Calibration shared = Calibration.shared();
        for (int i = 0; i < 10; i++) {
            double zeroCopy = shared.rate(PeerClass.LOCAL, FileMode.ZERO_COPY);
            double copy = shared.rate(PeerClass.LOCAL, FileMode.COPY);
            FileTransfer transfer;
            try (Loopback loopback = Loopback.open()) {
                Background<Long> receiver = Background.start(
                        () -> ZeroCopy.recvInto(loopback.client, ByteView.allocateDirect(4 << 20)));
                transfer = ZeroCopy.sendFile(file, loopback.server);
                assertEquals(4 << 20, receiver.join());
            }
            String reason = transfer.autoReason();
            if (reason.startsWith("AUTO takes the mode measured faster")) {
                assertEquals(zeroCopy >= copy ? FileMode.ZERO_COPY : FileMode.COPY, transfer.mode(), reason);
            } else {
                assertTrue(reason.startsWith("AUTO is measuring peers on this machine")
                        || reason.startsWith("AUTO re-measures"), reason);
            }
        }
        assertTrue(shared.samples(PeerClass.LOCAL, FileMode.ZERO_COPY) >= 3, "zero-copy measured");
        assertTrue(shared.samples(PeerClass.LOCAL, FileMode.COPY) >= 3, "copy loop measured");
    }
}
