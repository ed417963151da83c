package dev.zerocopy.checks;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.zerocopy.ByteView;
import dev.zerocopy.ktor.SocketFutures;
import dev.zerocopy.micrometer.ZeroCopyMetrics;
import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** The published modules as the checks see them: the jars the reactor just packaged. */
enum Artifacts {
    CORE("zerocopy-core", "core", ByteView.class),
    KTOR("zerocopy-ktor", "ktor-adapter", SocketFutures.class),
    MICROMETER("zerocopy-micrometer", "micrometer", ZeroCopyMetrics.class);

    final String artifactId;
    final String directory;
    private final Class<?> member;

    Artifacts(String artifactId, String directory, Class<?> member) {
        this.artifactId = artifactId;
        this.directory = directory;
        this.member = member;
    }

    /** The module's jar; skips the calling test when the build has not packaged it (mvn test). */
    Path jar() {
        Path location;
        try {
            location = Path.of(member.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        assumeTrue(Files.isRegularFile(location),
                artifactId + " resolved to " + location + ", not a jar: these checks run in mvn verify");
        return location;
    }

    /** The repository's root directory. */
    static Path root() {
        return Path.of(System.getProperty("zerocopy.root", "..")).toAbsolutePath().normalize();
    }

    /** The jars of this test's class path that the modules need at run time (no test libraries). */
    static List<Path> runtimeJars() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(Path::of)
                .filter(Files::isRegularFile)
                .filter(path -> {
                    String name = path.getFileName().toString();
                    return !name.startsWith("junit-") && !name.startsWith("opentest4j")
                            && !name.startsWith("apiguardian") && !name.startsWith("surefire");
                })
                .collect(Collectors.toList());
    }
}
