package dev.zerocopy.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TargetsTest {

    private static Targets.Target target(Targets.Bound bound, double threshold, Optional<Figure> figure) {
        return new Targets.Target("goal", m -> figure, bound, threshold, "x", m -> "evidence");
    }

    @Test
    void aTargetIsJudgedByItsFiguresMedianAgainstItsBound() {
        Optional<Figure> figure = Optional.of(new Figure(0.95, 0.01, 3));

        List<Targets.Verdict> verdicts = Targets.evaluate(List.of(
                target(Targets.Bound.AT_LEAST, 0.95, figure), target(Targets.Bound.ABOVE, 0.95, figure),
                target(Targets.Bound.AT_MOST, 0.9, figure), target(Targets.Bound.AT_LEAST, 0.9, Optional.empty())),
                null);

        assertEquals(List.of(Targets.Status.PASS, Targets.Status.MISS, Targets.Status.MISS, Targets.Status.NOT_MEASURED),
                verdicts.stream().map(Targets.Verdict::status).toList());
        assertEquals(List.of("", "evidence", "evidence", ""), verdicts.stream().map(Targets.Verdict::evidence).toList());
        assertEquals("-", verdicts.get(3).measured());
    }

    @Test
    void theReportJudgesTheTargetsFromTheRunsData(@TempDir Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        // Adapter 0.8x the core, 4x Ktor's channels; nothing else ran.
        Path results = new RunDirectory(Files.createDirectory(dir.resolve("results"))).loopback(0.2, 0.25, 1.0, 0.2).path();
        Path markdown = dir.resolve("RESULTS.md");

        Report.main(new String[] {"--results", results.toString(), "--markdown", markdown.toString(),
                "--chart", dir.resolve("throughput.png").toString(), "--mode", "quick"});

        List<String> lines = Files.readAllLines(markdown);
        assertEquals("| Adapter >= 0.9x the core loop | 0.80 ± 0.00x | **not met** |",
                row(lines, "| Adapter >= 0.9x the core loop |"));
        assertEquals("| Adapter >= 3x Ktor's channel path | 4.00 ± 0.00x | met |",
                row(lines, "| Adapter >= 3x Ktor's channel path |"));
        assertEquals("| Disabled JFR event <= 5 ns per transfer | - | not measured |",
                row(lines, "| Disabled JFR event <= 5 ns per transfer |"));
        assertTrue(row(lines, "- **Adapter >= 0.9x the core loop**").contains("Ktor adapter: 1.49 GiB/s"),
                row(lines, "- **Adapter >= 0.9x the core loop**"));
        assertTrue(Files.size(dir.resolve("throughput.png")) > 0);
    }

    private static String row(List<String> lines, String prefix) {
        return lines.stream().filter(line -> line.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no line starting with " + prefix + " in " + lines));
    }
}
