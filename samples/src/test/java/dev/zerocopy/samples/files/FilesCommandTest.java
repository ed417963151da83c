package dev.zerocopy.samples.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.zerocopy.samples.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

final class FilesCommandTest {

    @Test
    void onAJvmWithoutVirtualThreadsItSaysWhichJdkItNeeds() {
        assumeFalse(VirtualThreads.available(), "this JVM has virtual threads; the demo test runs the sample");
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(errors, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = Main.commandLine().execute("files", "demo");
        } finally {
            System.setErr(original);
        }
        String message = errors.toString(StandardCharsets.UTF_8);
        assertEquals(3, status, message);
        assertTrue(message.contains("virtual threads, which need JDK 21+, and this is Java " + Runtime.version()),
                message);
        assertTrue(message.contains(FilesCommand.JDK_21_HINT + " -jar samples/target/zerocopy-samples.jar files demo"),
                message);
    }

    @Test
    void theDemoOnJdk21OrLaterFetchesEveryByteAndPrintsTheModes() throws Exception {
        Path java = Path.of(VirtualThreads.available() ? ProcessHandle.current().info().command().orElseThrow()
                : FilesCommand.JDK_21_HINT);
        assumeTrue(Files.isExecutable(java), "no JDK 21+ to run the sample on: " + java + " is missing");
        Process demo = new ProcessBuilder(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "files", "demo", "--clients", "20", "--size", "1048577", "--mode", "ZERO_COPY"))
                .redirectErrorStream(true).start();
        demo.getOutputStream().close();
        byte[] output = demo.getInputStream().readAllBytes();
        assertTrue(demo.waitFor(2, TimeUnit.MINUTES), "the demo did not end");
        String printed = new String(output, StandardCharsets.UTF_8);
        assertEquals(0, demo.exitValue(), printed);
        assertTrue(printed.contains("files demo: 20 clients fetched 1,048,577 bytes each"), printed);
        assertTrue(printed.contains("server sends by mode: {ZERO_COPY=20}"), printed);
        assertTrue(printed.contains("client receives by mode: {ZERO_COPY=20}"), printed);
        assertTrue(printed.contains("demo ok: every copy equals the file"), printed);
    }
}
