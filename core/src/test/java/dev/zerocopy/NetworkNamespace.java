package dev.zerocopy;

import static org.junit.jupiter.api.Assumptions.abort;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network namespace of the test's own, joined to this one by a veth pair: a peer
 * that is really behind a network interface, not on loopback. The names are unique
 * per process and call, the addresses a random /30 in 10.0.0.0/8; {@link #close()}
 * stops what was started inside and deletes the pair and the namespace. Where
 * namespaces cannot be made (not root, no iproute2), {@link #create()} skips the
 * calling test and says why.
 */
final class NetworkNamespace implements AutoCloseable {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String name;
    private final String hostSide;
    private final InetAddress hostAddress;
    private final InetAddress peerAddress;
    private final List<Process> processes = new ArrayList<>();

    private NetworkNamespace(String name, String hostSide, InetAddress hostAddress, InetAddress peerAddress) {
        this.name = name;
        this.hostSide = hostSide;
        this.hostAddress = hostAddress;
        this.peerAddress = peerAddress;
    }

    static NetworkNamespace create() throws IOException {
        String id = ProcessHandle.current().pid() + "x" + COUNTER.incrementAndGet();
        String name = "zc" + id;
        String hostSide = "zh" + id;
        String peerSide = "zp" + id;
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String prefix = "10." + random.nextInt(100, 200) + "." + random.nextInt(256) + ".";
        int base = random.nextInt(64) * 4;
        String host = prefix + (base + 1);
        String peer = prefix + (base + 2);
        NetworkNamespace namespace = new NetworkNamespace(name, hostSide, InetAddress.getByName(host),
                InetAddress.getByName(peer));
        try {
            run("ip", "netns", "add", name);
        } catch (IOException cannot) {
            abort("cannot create a network namespace for a veth peer (root and iproute2 are needed): "
                    + cannot.getMessage());
        }
        try {
            run("ip", "link", "add", hostSide, "type", "veth", "peer", "name", peerSide);
            run("ip", "link", "set", peerSide, "netns", name);
            run("ip", "addr", "add", host + "/30", "dev", hostSide);
            run("ip", "link", "set", hostSide, "up");
            run("ip", "-n", name, "addr", "add", peer + "/30", "dev", peerSide);
            run("ip", "-n", name, "link", "set", peerSide, "up");
            run("ip", "-n", name, "link", "set", "lo", "up");
            return namespace;
        } catch (IOException | RuntimeException failed) {
            namespace.close();
            abort("cannot set up a veth pair into a network namespace: " + failed.getMessage());
            throw failed;
        }
    }

    /** This side's address on the veth pair. */
    InetAddress hostAddress() {
        return hostAddress;
    }

    /** The namespace side's address: the remote peer. */
    InetAddress peerAddress() {
        return peerAddress;
    }

    /** Starts {@code command} inside the namespace; {@link #close()} ends it. */
    Process start(String... command) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(command));
        Process process = new ProcessBuilder(full).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        processes.add(process);
        return process;
    }

    /**
     * Starts the {@link EchoPeer} inside the namespace on this JVM's own Java, and returns
     * the port it listens on.
     */
    int startEchoPeer() throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classes = EchoPeer.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        Process peer = start(java, "-cp", classes, EchoPeer.class.getName(), peerAddress.getHostAddress());
        BufferedReader output = new BufferedReader(new InputStreamReader(peer.getInputStream(),
                StandardCharsets.US_ASCII));
        String port = output.readLine();
        if (port == null) {
            throw new IOException("the echo peer in namespace " + name + " ended before it listened");
        }
        return Integer.parseInt(port.trim());
    }

    @Override
    public void close() throws IOException {
        for (Process process : processes) {
            process.getOutputStream().close();
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        IOException failure = null;
        for (String[] command : new String[][] {{"ip", "link", "del", hostSide}, {"ip", "netns", "del", name}}) {
            try {
                run(command);
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                }
            }
        }
        if (failure != null && !failure.getMessage().contains("Cannot find device")) {
            throw failure;
        }
    }

    private static void run(String... command) throws IOException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException notFound) {
            throw new IOException(String.join(" ", command) + ": " + notFound.getMessage(), notFound);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish in 30 s");
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + String.join(" ", command), interrupted);
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (" + process.exitValue() + "): " + output);
        }
    }
}
