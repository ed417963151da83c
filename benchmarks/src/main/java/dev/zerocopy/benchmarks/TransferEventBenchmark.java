package dev.zerocopy.benchmarks;

import dev.zerocopy.FileMode;
import dev.zerocopy.TransferReport;
import dev.zerocopy.internal.Counters;
import dev.zerocopy.internal.TransferEvent;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/*
 * Measures: what the library's observability adds to one transfer, apart from the transfer:
 *   event     TransferEvent.start and, when it returns an event, finish with the transfer's
 *             report (built only then): the JFR event's begin, end, threshold check and
 *             (when recorded) commit, with the `jfr` param:
 *               disabled        no recording has the event enabled (the default): one check;
 *               belowThreshold  a recording enables it with its default 10 ms threshold, so
 *                               every (instant) transfer is timed and dropped;
 *               recorded        a recording enables it with no threshold: every one is written;
 *   counters  the process counters one file transfer updates: start, one step's bytes, end.
 * Set up outside the measured region: the recording (started in a trial-level setup, into
 * memory, with nothing else enabled). The goal is a disabled cost of a few ns per transfer.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TransferEventBenchmark {

    /** Whether and how a recording has the event enabled. */
    @Param({"disabled", "belowThreshold", "recorded"})
    public String jfr;

    private Recording recording;

    @Setup(Level.Trial)
    public void setUp() {
        if (!jfr.equals("disabled")) {
            recording = new Recording();
            recording.setToDisk(false);
            recording.enable(TransferEvent.NAME)
                    .withThreshold(jfr.equals("recorded") ? Duration.ZERO : Duration.ofMillis(10));
            recording.start();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (recording != null) {
            recording.close();
        }
    }

    @Benchmark
    public Object event() {
        TransferEvent event = TransferEvent.start("sendFile");
        if (event != null) {
            // As a transfer does: its report is built only once the event is on.
            event.finish(new TransferReport(65_536, 65_536, 65_536, 0, FileMode.ZERO_COPY, null, null, 1, 0, 0, 1_000));
        }
        return event;
    }

    @Benchmark
    public void counters() {
        Counters.started(null);
        Counters.moved(65_536, 0);
        Counters.ended(true);
    }
}
