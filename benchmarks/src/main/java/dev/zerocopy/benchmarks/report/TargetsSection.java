package dev.zerocopy.benchmarks.report;

import java.util.List;

/** The targets' verdicts, judged before any section is written, and the evidence for each miss. */
final class TargetsSection implements Section {

    private final List<Targets.Verdict> verdicts;

    TargetsSection(List<Targets.Verdict> verdicts) {
        this.verdicts = verdicts;
    }

    @Override
    public String section() {
        StringBuilder s = new StringBuilder("## Targets\n\n| target | measured | result |\n|---|---|---|\n");
        for (Targets.Verdict v : verdicts) {
            s.append("| ").append(v.target().goal()).append(" | ").append(v.measured()).append(" | ")
                    .append(switch (v.status()) {
                        case PASS -> "met";
                        case MISS -> "**not met**";
                        case NOT_MEASURED -> "not measured";
                    }).append(" |\n");
        }
        List<Targets.Verdict> missed = verdicts.stream().filter(v -> v.status() == Targets.Status.MISS).toList();
        if (!missed.isEmpty()) {
            s.append("\n### What the profiles show for each miss\n\n");
            for (Targets.Verdict v : missed) {
                s.append("- **").append(v.target().goal()).append("** (").append(v.measured()).append("): ")
                        .append(v.evidence()).append("\n");
            }
        }
        return s.append("\n").toString();
    }
}
