package dev.zerocopy.checks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every public suspend function of the adapter states its cancellation contract in its KDoc. */
final class CancellationDocsTest {

    /** A KDoc block directly followed by a public suspend function; group 1 the doc, group 2 the name. */
    private static final Pattern DOCUMENTED = Pattern.compile(
            "(/\\*\\*(?:(?!\\*/).)*\\*/)\\s*\\n(?:@\\w+(?:\\([^)]*\\))?\\s*\\n)*public suspend fun (?:[\\w.<>]+\\.)?(\\w+)",
            Pattern.DOTALL);

    @Test
    void everyPublicSuspendFunctionDocumentsCancellation() throws Exception {
        Path sources = Artifacts.root().resolve("ktor-adapter/src/main/kotlin");
        List<Path> files;
        try (Stream<Path> walk = Files.walk(sources)) {
            files = walk.filter(path -> path.toString().endsWith(".kt")).sorted().collect(Collectors.toList());
        }
        int functions = 0;
        List<String> undocumented = new ArrayList<>();
        for (Path file : files) {
            String source = Files.readString(file, StandardCharsets.UTF_8);
            int declared = source.split("\npublic suspend fun ", -1).length - 1;
            Matcher matcher = DOCUMENTED.matcher(source);
            int documented = 0;
            while (matcher.find()) {
                documented++;
                if (!matcher.group(1).contains("Cancellation: cancellable")) {
                    undocumented.add(sources.relativize(file) + ": " + matcher.group(2));
                }
            }
            assertEquals(declared, documented, file + ": every public suspend fun needs a KDoc block");
            functions += declared;
        }
        assertTrue(functions >= 20, "found only " + functions + " public suspend functions");
        assertEquals(List.of(), undocumented, "KDoc without a \"Cancellation: cancellable ...\" paragraph");
    }
}
