package dev.zerocopy.checks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small modular applications compiled and run against the packaged jars on the module
 * path: they reach the API of {@code dev.zerocopy.core} and {@code dev.zerocopy.ktor},
 * and neither compiling against nor reflecting into the internal packages works.
 */
@Timeout(120)
final class ModularApplicationTest {

    @Test
    void aModularApplicationUsesCoreAndCannotReachItsInternals(@TempDir Path dir) throws Exception {
        String modulePath = modulePath(List.of(Artifacts.CORE.jar()));
        Path classes = compile(dir, modulePath, Map.of(
                "module-info.java", "module app { requires dev.zerocopy.core; }",
                "app/Main.java", String.join("\n",
                        "package app;",
                        "import dev.zerocopy.ByteView;",
                        "import dev.zerocopy.ZeroCopy;",
                        "import java.nio.channels.Pipe;",
                        "import java.nio.charset.StandardCharsets;",
                        "public final class Main {",
                        "    public static void main(String[] args) throws Exception {",
                        "        Pipe pipe = Pipe.open();",
                        "        ZeroCopy.sendFrom(pipe.sink(), ByteView.wrap(\"modular\".getBytes(StandardCharsets.US_ASCII)));",
                        "        ByteView received = ByteView.allocate(7);",
                        "        ZeroCopy.recvInto(pipe.source(), received);",
                        "        System.out.println(new String(received.toByteArray(), StandardCharsets.US_ASCII)",
                        "                + \" in \" + ByteView.class.getModule().getName());",
                        "        try {",
                        "            Class.forName(\"dev.zerocopy.internal.BufferPool\").getMethod(\"shared\").invoke(null);",
                        "            System.out.println(\"internal reachable\");",
                        "        } catch (IllegalAccessException refused) {",
                        "            System.out.println(\"internal refused\");",
                        "        }",
                        "    }",
                        "}"))).classes;
        assertEquals(List.of("modular in dev.zerocopy.core", "internal refused"),
                run(classes + File.pathSeparator + modulePath, "app/app.Main"));
    }

    @Test
    void aModularApplicationRecordsTheCoresJfrEventAndReadsItsCounters(@TempDir Path dir) throws Exception {
        String modulePath = modulePath(List.of(Artifacts.CORE.jar()));
        Path classes = compile(dir, modulePath, Map.of(
                "module-info.java", "module app { requires dev.zerocopy.core; requires jdk.jfr; }",
                "app/Main.java", String.join("\n",
                        "package app;",
                        "import dev.zerocopy.ByteView;",
                        "import dev.zerocopy.TransferCounters;",
                        "import dev.zerocopy.ZeroCopy;",
                        "import java.nio.channels.Pipe;",
                        "import java.nio.file.Files;",
                        "import java.nio.file.Path;",
                        "import jdk.jfr.Recording;",
                        "import jdk.jfr.consumer.RecordingFile;",
                        "public final class Main {",
                        "    public static void main(String[] args) throws Exception {",
                        "        Path file = Path.of(args[0]);",
                        "        try (Recording recording = new Recording()) {",
                        "            recording.enable(\"dev.zerocopy.Transfer\").withThreshold(java.time.Duration.ZERO);",
                        "            recording.start();",
                        "            Pipe pipe = Pipe.open();",
                        "            ZeroCopy.sendFrom(pipe.sink(), ByteView.wrap(new byte[1000]));",
                        "            ZeroCopy.recvInto(pipe.source(), ByteView.allocate(1000));",
                        "            recording.stop();",
                        "            recording.dump(file);",
                        "        }",
                        "        System.out.println(RecordingFile.readAllEvents(file).stream()",
                        "                .filter(e -> e.getEventType().getName().equals(\"dev.zerocopy.Transfer\"))",
                        "                .map(e -> e.getString(\"operation\") + \" \" + e.getLong(\"transferred\"))",
                        "                .collect(java.util.stream.Collectors.joining(\", \")));",
                        "        System.out.println(\"started \" + TransferCounters.snapshot().started());",
                        "    }",
                        "}"))).classes;
        assertEquals(List.of("send 1000, recv 1000", "started 0"),
                run(classes + File.pathSeparator + modulePath, "app/app.Main", dir.resolve("events.jfr").toString()));
    }

    @Test
    void aModularApplicationCannotCompileAgainstCoreInternals(@TempDir Path dir) throws Exception {
        Compilation compilation = compile(dir, modulePath(List.of(Artifacts.CORE.jar())), Map.of(
                "module-info.java", "module app { requires dev.zerocopy.core; }",
                "app/Main.java", String.join("\n",
                        "package app;",
                        "public final class Main {",
                        "    Object pool = dev.zerocopy.internal.BufferPool.shared();",
                        "}")));
        assertFalse(compilation.succeeded, compilation.diagnostics);
        assertTrue(compilation.diagnostics.contains(
                "package dev.zerocopy.internal is declared in module dev.zerocopy.core,"
                        + " which does not export it to module app"), compilation.diagnostics);
    }

    @Test
    void aModularJavaApplicationUsesTheKtorAdapterWithoutCoroutines(@TempDir Path dir) throws Exception {
        String modulePath = modulePath(adapterJars());
        Path classes = compile(dir, modulePath, Map.of(
                "module-info.java", "module app { requires dev.zerocopy.ktor; }",
                "app/Main.java", String.join("\n",
                        "package app;",
                        "import dev.zerocopy.ByteView;",
                        "import dev.zerocopy.ktor.SocketFutures;",
                        "import io.ktor.network.selector.SelectorManager;",
                        "import io.ktor.network.sockets.InetSocketAddress;",
                        "import io.ktor.network.sockets.ServerSocket;",
                        "import io.ktor.network.sockets.Socket;",
                        "import java.nio.charset.StandardCharsets;",
                        "import java.util.concurrent.CompletableFuture;",
                        "import java.util.concurrent.TimeUnit;",
                        "public final class Main {",
                        "    public static void main(String[] args) throws Exception {",
                        "        try (SelectorManager selector = SocketFutures.selectorManager();",
                        "             ServerSocket listener = SocketFutures.bind(selector, new InetSocketAddress(\"127.0.0.1\", 0))",
                        "                     .get(30, TimeUnit.SECONDS)) {",
                        "            CompletableFuture<Socket> accepted = SocketFutures.accept(listener);",
                        "            try (Socket client = SocketFutures.connect(selector, listener.getLocalAddress()).get(30, TimeUnit.SECONDS);",
                        "                 Socket server = accepted.get(30, TimeUnit.SECONDS)) {",
                        "                SocketFutures.sendFrame(client, ByteView.wrap(\"framed\".getBytes(StandardCharsets.US_ASCII)))",
                        "                        .get(30, TimeUnit.SECONDS);",
                        "                ByteView frame = SocketFutures.recvFrame(server, 64).get(30, TimeUnit.SECONDS);",
                        "                System.out.println(new String(frame.toByteArray(), StandardCharsets.US_ASCII)",
                        "                        + \" in \" + SocketFutures.class.getModule().getName());",
                        "            }",
                        "        }",
                        "    }",
                        "}"))).classes;
        assertEquals(List.of("framed in dev.zerocopy.ktor"), run(classes + File.pathSeparator + modulePath, "app/app.Main"));
    }

    @Test
    void aModularApplicationCannotCompileAgainstTheAdaptersInternals(@TempDir Path dir) throws Exception {
        Compilation compilation = compile(dir, modulePath(adapterJars()), Map.of(
                "module-info.java", "module app { requires dev.zerocopy.ktor; }",
                "app/Main.java", String.join("\n",
                        "package app;",
                        "public final class Main {",
                        "    Class<?> frames = dev.zerocopy.internal.FrameReceiver.class;",
                        "    Class<?> channels = dev.zerocopy.ktor.internal.KtorChannelsKt.class;",
                        "}")));
        assertFalse(compilation.succeeded, compilation.diagnostics);
        assertTrue(compilation.diagnostics.contains(
                "package dev.zerocopy.internal is declared in module dev.zerocopy.core,"
                        + " which does not export it to module app"), compilation.diagnostics);
        assertTrue(compilation.diagnostics.contains(
                "package dev.zerocopy.ktor.internal is declared in module dev.zerocopy.ktor,"
                        + " which does not export it"), compilation.diagnostics);
    }

    /** The adapter, core, and the libraries they need at run time. */
    private static List<Path> adapterJars() {
        List<Path> jars = new ArrayList<>(List.of(Artifacts.KTOR.jar(), Artifacts.CORE.jar()));
        Artifacts.runtimeJars().stream().filter(jar -> !jars.contains(jar)).forEach(jars::add);
        return jars;
    }

    private static String modulePath(List<Path> jars) {
        return jars.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
    }

    private static final class Compilation {
        final boolean succeeded;
        final String diagnostics;
        final Path classes;

        Compilation(boolean succeeded, String diagnostics, Path classes) {
            this.succeeded = succeeded;
            this.diagnostics = diagnostics;
            this.classes = classes;
        }
    }

    private static Compilation compile(Path dir, String modulePath, Map<String, String> sources) throws IOException {
        Path src = dir.resolve("src");
        Path classes = dir.resolve("classes");
        // An explicit, empty class path: the in-process compiler would otherwise use this test's.
        Path emptyClassPath = Files.createDirectories(dir.resolve("empty"));
        List<String> arguments = new ArrayList<>(List.of("--release", "17", "--module-path", modulePath,
                "--class-path", emptyClassPath.toString(), "-d", classes.toString(), "-Xlint:all"));
        List<Path> files = new ArrayList<>();
        for (Map.Entry<String, String> source : sources.entrySet()) {
            Path file = src.resolve(source.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, source.getValue() + "\n", StandardCharsets.UTF_8);
            files.add(file);
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter output = new StringWriter();
        try (StandardJavaFileManager fileManager = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
            boolean succeeded = javac.getTask(output, fileManager, null, arguments, null,
                    fileManager.getJavaFileObjectsFromPaths(files)).call();
            return new Compilation(succeeded, output.toString(), classes);
        }
    }

    private static List<String> run(String modulePath, String mainClass, String... args) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "--module-path", modulePath, "-m", mainClass));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .start();
        process.getOutputStream().close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the modular application did not end within 60 s");
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), output);
        return output.lines().collect(Collectors.toList());
    }
}
