package dev.zerocopy.checks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's examples are whole files that compile as written: each code block after a
 * {@code <!-- snippet: PATH -->} line must equal that file of this module's test sources,
 * which the build compiles; here they also run and print what the README says.
 */
@Timeout(120)
final class ReadmeTest {

    /** A snippet marker and the fenced block after it: path, language, code. */
    static final Pattern SNIPPET = Pattern.compile("<!-- snippet: (\\S+) -->\\n```(\\w+)\\n(.*?)```", Pattern.DOTALL);

    static Map<String, String> snippets() throws Exception {
        String readme = Files.readString(Artifacts.root().resolve("README.md"), StandardCharsets.UTF_8);
        Map<String, String> snippets = new LinkedHashMap<>();
        Matcher matcher = SNIPPET.matcher(readme);
        while (matcher.find()) {
            snippets.put(matcher.group(1), matcher.group(3));
        }
        return snippets;
    }

    @Test
    void everyReadmeSnippetIsACompiledFile() throws Exception {
        Map<String, String> snippets = snippets();
        assertEquals(List.of("checks/src/test/java/QuickStart.java", "checks/src/test/kotlin/QuickStartKotlin.kt",
                "checks/src/test/java/QuickStartFutures.java"), List.copyOf(snippets.keySet()));
        for (Map.Entry<String, String> snippet : snippets.entrySet()) {
            Path file = Artifacts.root().resolve(snippet.getKey());
            assertEquals(Files.readString(file, StandardCharsets.UTF_8), snippet.getValue(),
                    "README.md's snippet differs from " + snippet.getKey() + ": copy the file into the README");
        }
    }

    @Test
    void theJavaExampleRunsAsTheReadmeSays() throws Exception {
        assertEquals(List.of("9.0", "80 bytes framed", "4096 bytes by COPY"), run("QuickStart"));
    }

    @Test
    void theKotlinExampleRunsAsTheReadmeSays() throws Exception {
        List<String> lines = run("QuickStartKotlinKt");
        // The peer's line and the receiver's lines come from two coroutines, in either order.
        assertEquals(List.of("1024 bytes framed", "4096 bytes by COPY", "9.0"), lines.stream().sorted().collect(Collectors.toList()));
    }

    @Test
    void theJavaFuturesExampleRunsAsTheReadmeSays() throws Exception {
        assertEquals(List.of("8388608 bytes received, 8388608 sent"), run("QuickStartFutures"));
    }

    /** Runs a snippet's main method and returns what it printed. */
    private static List<String> run(String mainClass) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            Class.forName(mainClass).getMethod("main", String[].class).invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(original);
        }
        List<String> lines = printed.toString(StandardCharsets.UTF_8).lines().collect(Collectors.toList());
        assertTrue(!lines.isEmpty(), mainClass + " printed nothing");
        return lines;
    }
}
