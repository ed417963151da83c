package dev.zerocopy.checks;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Compares each module's public API, as Java sees it in the packaged jar, with the listing
 * committed in {@code <module>/api/<artifactId>.api}, so that an API change is always a
 * deliberate diff. The listing covers the packages the module exports to everyone:
 * public and protected types, constructors, methods and fields, with generic signatures.
 */
final class PublicApiTest {

    /** Regenerates the listings: checks/update-api runs this command. */
    static final String UPDATE_COMMAND = "checks/update-api   (or: mvn -B -q verify -pl checks -am -Dtest=PublicApiTest"
            + " -Dsurefire.failIfNoSpecifiedTests=false -Dzerocopy.api.update)";

    @ParameterizedTest
    @EnumSource(Artifacts.class)
    void publicApiMatchesTheCommittedListing(Artifacts module) throws Exception {
        String actual = listing(module.jar());
        Path committed = Artifacts.root().resolve(module.directory).resolve("api").resolve(module.artifactId + ".api");
        if (Boolean.getBoolean("zerocopy.api.update")) {
            Files.createDirectories(committed.getParent());
            Files.writeString(committed, actual, StandardCharsets.UTF_8);
            return;
        }
        String expected = Files.exists(committed) ? Files.readString(committed, StandardCharsets.UTF_8) : "";
        if (!expected.equals(actual)) {
            fail("The public API of " + module.artifactId + " differs from " + Artifacts.root().relativize(committed)
                    + ".\nIf the change is deliberate, regenerate the listings and commit the diff:\n    "
                    + UPDATE_COMMAND + "\n" + difference(expected, actual));
        }
    }

    /** The listing: one block per type, sorted, members indented and sorted. */
    static String listing(Path jar) throws IOException, ClassNotFoundException {
        ModuleDescriptor descriptor = ModuleFinder.of(jar).findAll().iterator().next().descriptor();
        Set<String> exported = descriptor.exports().stream()
                .filter(export -> !export.isQualified())
                .map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toSet());
        List<String> names = new ArrayList<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            file.stream()
                    .map(entry -> entry.getName())
                    .filter(name -> name.endsWith(".class") && !name.endsWith("module-info.class")
                            && !name.endsWith("package-info.class") && !name.startsWith("META-INF/"))
                    .map(name -> name.substring(0, name.length() - ".class".length()).replace('/', '.'))
                    .filter(name -> exported.contains(name.substring(0, name.lastIndexOf('.'))))
                    .forEach(names::add);
        }
        StringBuilder out = new StringBuilder();
        out.append("module ").append(descriptor.name()).append('\n');
        descriptor.exports().stream().map(Object::toString).sorted()
                .forEach(export -> out.append("  exports ").append(export).append('\n'));
        // Without the compiled-in versions, which change with every release.
        descriptor.requires().stream()
                .filter(r -> !r.name().equals("java.base"))
                .map(r -> r.modifiers().stream().map(m -> m.name().toLowerCase(Locale.ROOT) + " ").sorted()
                        .collect(Collectors.joining()) + r.name())
                .sorted()
                .forEach(require -> out.append("  requires ").append(require).append('\n'));
        for (String name : new TreeSet<>(names)) {
            Class<?> type = Class.forName(name, false, PublicApiTest.class.getClassLoader());
            if (!visible(type)) {
                continue;
            }
            out.append('\n').append(header(type)).append('\n');
            Set<String> members = new TreeSet<>();
            for (Field field : type.getDeclaredFields()) {
                if (visible(field)) {
                    members.add(strip(field.toGenericString(), type));
                }
            }
            for (Constructor<?> constructor : type.getDeclaredConstructors()) {
                if (visible(constructor)) {
                    members.add(strip(constructor.toGenericString(), type));
                }
            }
            for (Method method : type.getDeclaredMethods()) {
                if (visible(method) && !method.isBridge()) {
                    members.add(strip(method.toGenericString(), type));
                }
            }
            members.forEach(member -> out.append("  ").append(member).append('\n'));
        }
        return out.toString();
    }

    private static boolean visible(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getEnclosingClass()) {
            if (!Modifier.isPublic(c.getModifiers()) || c.isSynthetic() || c.isAnonymousClass() || c.isLocalClass()) {
                return false;
            }
        }
        return true;
    }

    private static boolean visible(Member member) {
        int modifiers = member.getModifiers();
        boolean synthetic = member.isSynthetic() || (member instanceof Executable && ((Executable) member).isSynthetic());
        return (Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers)) && !synthetic;
    }

    private static String header(Class<?> type) {
        StringBuilder header = new StringBuilder(type.toGenericString());
        Type superclass = type.getGenericSuperclass();
        if (superclass != null && superclass != Object.class && !type.isEnum() && !type.isRecord()) {
            header.append(" extends ").append(superclass.getTypeName());
        }
        Type[] interfaces = type.getGenericInterfaces();
        if (interfaces.length > 0) {
            header.append(type.isInterface() ? " extends " : " implements ")
                    .append(Arrays.stream(interfaces).map(Type::getTypeName).collect(Collectors.joining(", ")));
        }
        return header.toString();
    }

    /** Drops the declaring type's name from a member's generic string: "ByteView.slice(int)" becomes "slice(int)". */
    private static String strip(String generic, Class<?> type) {
        return generic.replace(type.getTypeName() + ".", "");
    }

    private static String difference(String expected, String actual) {
        Set<String> before = new TreeSet<>(Arrays.asList(expected.split("\n")));
        Set<String> after = new TreeSet<>(Arrays.asList(actual.split("\n")));
        StringBuilder out = new StringBuilder();
        before.stream().filter(line -> !after.contains(line)).forEach(line -> out.append("- ").append(line).append('\n'));
        after.stream().filter(line -> !before.contains(line)).forEach(line -> out.append("+ ").append(line).append('\n'));
        return out.toString();
    }
}
