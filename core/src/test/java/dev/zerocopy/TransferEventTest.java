package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.internal.TransferEvent;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TransferEventTest {

    @TempDir
    Path dir;

    @Test
    void aRecordingHasOneEventPerTransferWithItsCounts() throws Exception {
        byte[] content = Bytes.random(1 << 20, 21);
        Path file = Files.write(dir.resolve("content.bin"), content);
        Path copy = dir.resolve("copy.bin");
        ByteView received = ByteView.allocate(100_000);
        Path recordingFile = dir.resolve("transfers.jfr");
        TransferReport fileReport;
        try (Recording recording = new Recording()) {
            recording.enable(TransferEvent.NAME).withThreshold(java.time.Duration.ZERO);
            recording.start();
            try (FileChannel out = FileChannel.open(copy, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                fileReport = ZeroCopy.sendFile(file, out, 3, 700_001,
                        FileOptions.defaults().withMode(FileMode.COPY).withChunkSize(65_536)).report();
            }
            try (Loopback loopback = Loopback.open()) {
                ZeroCopy.sendFrom(loopback.client, ByteView.wrap(content, 0, 100_000));
                ZeroCopy.recvInto(loopback.server, received);
            }
            recording.stop();
            recording.dump(recordingFile);
        }
        assertArrayEquals(java.util.Arrays.copyOfRange(content, 3, 700_004), Files.readAllBytes(copy));
        assertEquals(ByteView.wrap(content, 0, 100_000), received);

        List<RecordedEvent> events = RecordingFile.readAllEvents(recordingFile).stream()
                .filter(e -> e.getEventType().getName().equals(TransferEvent.NAME))
                .collect(Collectors.toList());
        assertEquals(List.of("sendFile", "send", "recv"),
                events.stream().map(e -> e.getString("operation")).collect(Collectors.toList()));
        RecordedEvent fileSend = events.get(0);
        assertEquals(700_001, fileSend.getLong("byteCount"));
        assertEquals(700_001, fileSend.getLong("transferred"));
        assertEquals(0, fileSend.getLong("zeroCopied"));
        assertEquals(700_001, fileSend.getLong("copied"));
        assertEquals("COPY", fileSend.getString("mode"));
        assertEquals("FORCED_COPY", fileSend.getString("fallbackCode"));
        assertEquals(true, fileSend.getBoolean("completed"));
        // The event's figures are the report's: 11 chunks of at most 64 KiB.
        assertEquals(fileReport.steps(), fileSend.getLong("steps"));
        assertEquals(11, fileSend.getLong("steps"));
        assertEquals(fileReport.zeroReturns(), fileSend.getLong("zeroReturns"));
        for (RecordedEvent view : events.subList(1, 3)) {
            assertEquals(100_000, view.getLong("byteCount"));
            assertEquals(100_000, view.getLong("transferred"));
            assertEquals(0, view.getLong("copied"), "a view is neither zero-copied nor copied");
            assertTrue(view.getLong("steps") >= 1);
            assertEquals(true, view.getBoolean("completed"));
        }
    }

    @Test
    void aViewReceiveThatWaitedAndMetTheEndOfStreamRecordsOneEventWithItsCounts() throws Exception {
        // Three zero-byte reads before each one that moves bytes: 10 bytes, then the end of stream.
        var source = TestChannels.throttle(TestChannels.source(Bytes.random(10, 22)), TestChannels.zeroesFirst());
        Path recordingFile = dir.resolve("eof.jfr");
        EndOfStreamException eof;
        try (Recording recording = new Recording()) {
            recording.enable(TransferEvent.NAME).withThreshold(java.time.Duration.ZERO);
            recording.start();
            eof = assertThrows(EndOfStreamException.class, () -> ZeroCopy.recvInto(source, ByteView.allocate(20)));
            recording.stop();
            recording.dump(recordingFile);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(recordingFile).stream()
                .filter(e -> e.getEventType().getName().equals(TransferEvent.NAME))
                .collect(Collectors.toList());
        assertEquals(1, events.size());
        RecordedEvent event = events.get(0);
        assertEquals("recv", event.getString("operation"));
        assertEquals(20, event.getLong("byteCount"));
        assertEquals(10, event.getLong("transferred"));
        assertEquals(false, event.getBoolean("completed"));
        assertEquals(8, event.getLong("steps"));
        assertEquals(6, event.getLong("zeroReturns"));
        assertEquals(6, event.getLong("waits"));
        assertEquals(eof.report().steps(), event.getLong("steps"));
        assertEquals(eof.report().waits(), event.getLong("waits"));
        assertEquals(10, eof.transferred());
    }
}
