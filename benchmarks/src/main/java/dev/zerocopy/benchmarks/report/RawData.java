package dev.zerocopy.benchmarks.report;

import java.nio.file.Path;

/** The last section: where the run's raw data is, which JMH files were read, and what was not measured or failed. */
final class RawData implements Section {

    private final Path results;
    private final JmhResults jmh;
    private final References refs;

    RawData(Path results, JmhResults jmh, References refs) {
        this.results = results;
        this.jmh = jmh;
        this.refs = refs;
    }

    @Override
    public String section() {
        StringBuilder md = new StringBuilder("## Raw data\n\n");
        md.append("JMH's JSON and logs, and the references' JSON, are in `").append(results.getFileName())
                .append("` under `benchmarks/target/results/` of the run (not committed). JMH files read: ")
                .append(jmh.files().isEmpty() ? "none" : String.join(", ", jmh.files())).append(".\n");
        if (!refs.notes.isEmpty()) {
            md.append("\nNot measured, or failed, in this run:\n\n");
            refs.notes.forEach(note -> md.append("- ").append(note).append("\n"));
        }
        return md.toString();
    }
}
