package dev.zerocopy.samples.arrays

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import kotlin.concurrent.thread

/** `arrays fetch` and `serve` give up on a peer that stops moving, after --stall-timeout. */
@Timeout(60)
class ArraysStallTest {

    @ParameterizedTest
    @EnumSource(Engine::class)
    fun fetchGivesUpOnAServerThatSendsNothing(engine: Engine) {
        ServerSocket(0).use { silent ->
            val held = mutableListOf<Socket>()
            val acceptor = thread { runCatching { held += silent.accept() } }
            try {
                val outcome = runCommand(
                    "arrays", "fetch", "--port", silent.localPort.toString(), "--count", "1000",
                    "--engine", engine.name.lowercase(), "--stall-timeout", "300ms",
                )
                assertEquals(1, outcome.exitCode, outcome.toString())
                assertTrue(outcome.err.contains("arrays fetch: cannot receive from 127.0.0.1:${silent.localPort}"), outcome.toString())
            } finally {
                silent.close()
                acceptor.join(5_000)
                held.forEach(Socket::close)
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Engine::class)
    fun serveGivesUpOnAClientThatReadsNothing(engine: Engine) {
        Background(
            "arrays", "serve", "--port", "0", "--count", "2000000", "--connections", "1",
            "--engine", engine.name.lowercase(), "--stall-timeout", "300ms",
        ).use { server ->
            val port = server.awaitPort()
            Socket().use { idle ->
                idle.receiveBufferSize = 16 shl 10
                idle.connect(InetSocketAddress("127.0.0.1", port), 5_000)
                // 16 MB do not fit in loopback buffers: the server's send stops moving.
                assertEquals(1, server.awaitExit(30), server.out.toString())
                assertTrue(server.out.toString().contains("left before receiving everything"), server.out.toString())
            }
        }
    }
}
