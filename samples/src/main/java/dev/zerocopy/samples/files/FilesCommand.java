package dev.zerocopy.samples.files;

import dev.zerocopy.FileMode;
import dev.zerocopy.FileOptions;
import dev.zerocopy.FileTransfer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code files} command: a blocking file server and client on virtual threads. */
@Command(
        name = "files",
        mixinStandardHelpOptions = true,
        description = {"A blocking file server and client on virtual threads (JDK 21+), in plain Java.",
            "demo: a server and --clients concurrent fetches in one process over 127.0.0.1;",
            "serve: serves the files of --dir; fetch NAME: fetches one into --out."},
        subcommands = {FilesCommand.Demo.class, FilesCommand.Serve.class, FilesCommand.Fetch.class})
public final class FilesCommand implements Callable<Integer> {

    /** The JDK the message points to when this one has no virtual threads. */
    static final String JDK_21_HINT = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java";

    /** Creates the command; picocli fills it. */
    public FilesCommand() {
    }

    @Override
    public Integer call() {
        System.err.println("files: missing a command: demo, serve or fetch (try files --help)");
        return 2;
    }

    /** Options every subcommand shares. */
    static class Common {
        @Option(names = "--mode", defaultValue = "AUTO", description = "AUTO, ZERO_COPY or COPY (default ${DEFAULT-VALUE})")
        FileMode mode;

        @Option(names = "--timeout", defaultValue = "60", description = "deadline of each transfer, seconds (default ${DEFAULT-VALUE})")
        long timeoutSeconds;

        @Option(names = {"-p", "--port"}, defaultValue = "0", description = "port (0: any free one for demo and serve)")
        int port;

        FileOptions options() {
            return FileOptions.defaults().withMode(mode).withTimeout(Duration.ofSeconds(timeoutSeconds));
        }

        /** Returns null, or the exit status after saying why this JVM cannot run the sample. */
        static Integer refuseBeforeJdk21() {
            if (VirtualThreads.available()) {
                return null;
            }
            System.err.println("files: this sample runs on virtual threads, which need JDK 21+, and this is Java "
                    + Runtime.version() + ". Start it with a newer JDK, for example:\n  " + JDK_21_HINT
                    + " -jar samples/target/zerocopy-samples.jar files demo");
            return 3;
        }
    }

    /** Serves a directory until interrupted. */
    @Command(name = "serve", mixinStandardHelpOptions = true, description = "Serves the files of --dir.")
    static final class Serve extends Common implements Callable<Integer> {
        @Option(names = "--dir", required = true, description = "directory whose files are served")
        Path dir;

        @Option(names = "--bind", defaultValue = "127.0.0.1", description = "address to listen on (default ${DEFAULT-VALUE})")
        String bind;

        @Override
        public Integer call() throws Exception {
            Integer refused = refuseBeforeJdk21();
            if (refused != null) {
                return refused;
            }
            try (FileServer server = new FileServer(dir.toAbsolutePath(),
                    new InetSocketAddress(InetAddress.getByName(bind), port), options(), System.out::println)) {
                System.out.println("files serve: " + dir + " on " + server.address() + ", " + mode);
                Thread.currentThread().join(); // until interrupted
            }
            return 0;
        }
    }

    /** Fetches one file. */
    @Command(name = "fetch", mixinStandardHelpOptions = true, description = "Fetches NAME into --out.")
    static final class Fetch extends Common implements Callable<Integer> {
        @Parameters(index = "0", description = "file name on the server")
        String name;

        @Option(names = "--host", defaultValue = "127.0.0.1", description = "server address (default ${DEFAULT-VALUE})")
        String host;

        @Option(names = "--out", required = true, description = "where to write the file")
        Path out;

        @Override
        public Integer call() throws Exception {
            Integer refused = refuseBeforeJdk21();
            if (refused != null) {
                return refused;
            }
            FileTransfer received = FileClient.fetch(new InetSocketAddress(InetAddress.getByName(host), port), name,
                    out, options());
            System.out.println("fetched " + name + ": " + received.transferred() + " bytes, " + received.mode()
                    + (received.autoReason() == null ? "" : "; " + received.autoReason()));
            return 0;
        }
    }

    /** A server and many clients in one process. */
    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = "Serves one file to --clients concurrent fetches, each on its own virtual thread.")
    static final class Demo extends Common implements Callable<Integer> {
        @Option(names = "--clients", defaultValue = "100", description = "concurrent fetches (default ${DEFAULT-VALUE})")
        int clients;

        @Option(names = "--size", defaultValue = "16777216", description = "bytes in the file (default ${DEFAULT-VALUE})")
        int size;

        @Override
        public Integer call() throws Exception {
            Integer refused = refuseBeforeJdk21();
            if (refused != null) {
                return refused;
            }
            Path dir = Files.createTempDirectory("zerocopy-files-");
            ConcurrentLinkedQueue<String> served = new ConcurrentLinkedQueue<>();
            try (FileServer server = new FileServer(dir, new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                    options(), served::add)) {
                byte[] content = new byte[size];
                new SplittableRandom(size).nextBytes(content);
                Path file = Files.write(dir.resolve("content.bin"), content);
                long start = System.nanoTime();
                List<FileTransfer> received = new ArrayList<>();
                ExecutorService threads = VirtualThreads.perTask();
                try {
                    List<Future<FileTransfer>> fetches = new ArrayList<>();
                    for (int i = 0; i < clients; i++) {
                        Path target = dir.resolve("fetched-" + i + ".bin");
                        fetches.add(threads.submit(() -> FileClient.fetch(server.address(), "content.bin", target,
                                options())));
                    }
                    for (Future<FileTransfer> fetch : fetches) {
                        received.add(fetch.get(timeoutSeconds, TimeUnit.SECONDS));
                    }
                } finally {
                    threads.shutdownNow();
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                int mismatched = 0;
                for (int i = 0; i < clients; i++) {
                    if (Files.mismatch(file, dir.resolve("fetched-" + i + ".bin")) != -1) {
                        mismatched++;
                    }
                }
                System.out.printf(Locale.ROOT, "files demo: %d clients fetched %,d bytes each over %s on virtual"
                        + " threads in %.2f s (%.2f GiB/s in all), --mode %s%n", clients, size, server.address(),
                        seconds, (double) clients * size / seconds / (1L << 30), mode);
                System.out.println("server sends by mode: " + countModes(served));
                System.out.println("client receives by mode: " + countModes(received.stream()
                        .map(t -> t.mode().toString()).toList()));
                System.out.println("first send: " + served.peek());
                if (mismatched > 0) {
                    System.out.println("demo FAILED: " + mismatched + " of " + clients + " copies differ");
                    return 1;
                }
                System.out.println("demo ok: every copy equals the file");
                return 0;
            } finally {
                try (var files = Files.list(dir)) {
                    for (Path path : (Iterable<Path>) files::iterator) {
                        Files.delete(path);
                    }
                }
                Files.delete(dir);
            }
        }

        private static Map<String, Integer> countModes(Iterable<String> lines) {
            Map<String, Integer> counts = new TreeMap<>();
            for (String line : lines) {
                for (FileMode mode : FileMode.values()) {
                    if (line.equals(mode.toString()) || line.contains(", " + mode + " (")) {
                        counts.merge(mode.toString(), 1, Integer::sum);
                    }
                }
            }
            return counts;
        }
    }
}
