package dev.zerocopy.benchmarks.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/** Describes the machine from Linux's /proc; what it cannot read it leaves out. */
final class Machine {

    private Machine() {
    }

    /** The kernel's load averages over 1, 5 and 15 minutes, or "-" where there is no /proc/loadavg. */
    static String loadAverage() {
        try {
            String[] fields = java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + ", " + fields[1] + ", " + fields[2];
        } catch (java.io.IOException | RuntimeException e) {
            return "-";
        }
    }

    static String describe() {
        StringBuilder s = new StringBuilder();
        line(Path.of("/proc/cpuinfo"), "model name").ifPresent(model -> s.append(model).append(", "));
        s.append(Runtime.getRuntime().availableProcessors()).append(" cores");
        line(Path.of("/proc/meminfo"), "MemTotal").ifPresent(total -> {
            double gib = Double.parseDouble(total.replaceAll("[^0-9]", "")) / (1 << 20);
            s.append(String.format(Locale.ROOT, ", %.0f GiB RAM", gib));
        });
        try {
            s.append(", Linux ").append(Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim());
        } catch (IOException | RuntimeException e) {
            s.append(", ").append(System.getProperty("os.name")).append(" ").append(System.getProperty("os.version"));
        }
        return s.toString();
    }

    private static Optional<String> line(Path file, String key) {
        try {
            return Files.readAllLines(file).stream().filter(l -> l.startsWith(key)).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
