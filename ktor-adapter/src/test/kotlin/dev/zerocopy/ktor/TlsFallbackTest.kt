package dev.zerocopy.ktor

import dev.zerocopy.ByteView
import dev.zerocopy.FallbackCode
import dev.zerocopy.FileMode
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.InetSocketAddress
import io.ktor.network.sockets.Socket
import io.ktor.network.sockets.aSocket
import io.ktor.network.tls.tls
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.withTimeout
import java.net.InetAddress
import java.nio.file.Files
import java.nio.file.Path
import java.security.KeyStore
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import javax.net.ssl.KeyManagerFactory
import javax.net.ssl.SSLContext
import javax.net.ssl.SSLServerSocket
import javax.net.ssl.TrustManagerFactory
import javax.net.ssl.X509TrustManager
import kotlin.io.path.deleteRecursively
import kotlin.time.Duration.Companion.seconds

/** A self-signed key for 127.0.0.1, made by the JDK's keytool. */
private fun keyStore(dir: Path): KeyStore {
    val file = dir.resolve("loopback.p12")
    val keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString()
    val process = ProcessBuilder(
        keytool, "-genkeypair", "-alias", "loopback", "-keyalg", "RSA", "-keysize", "2048",
        "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
        "-storetype", "PKCS12", "-keystore", file.toString(), "-storepass", "loopback",
    ).redirectErrorStream(true).start()
    check(process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0) {
        "keytool failed: ${process.inputStream.readAllBytes().decodeToString()}"
    }
    return KeyStore.getInstance("PKCS12").apply { Files.newInputStream(file).use { load(it, "loopback".toCharArray()) } }
}

/**
 * A JDK TLS server on 127.0.0.1 that echoes every byte of one connection back until
 * the client closes. It is the peer, not the code under test, so it may block a thread.
 */
private class EchoTlsServer(keys: KeyStore) : AutoCloseable {
    private val listener: SSLServerSocket
    val port: Int get() = listener.localPort
    val done: CompletableFuture<Long>

    init {
        val keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm())
            .apply { init(keys, "loopback".toCharArray()) }.keyManagers
        val context = SSLContext.getInstance("TLSv1.2").apply { init(keyManagers, null, null) }
        listener = context.serverSocketFactory.createServerSocket(0, 1, InetAddress.getLoopbackAddress()) as SSLServerSocket
        listener.soTimeout = 30_000
        done = CompletableFuture.supplyAsync {
            listener.accept().use { connection ->
                connection.soTimeout = 30_000
                val input = connection.getInputStream()
                val output = connection.getOutputStream()
                val buffer = ByteArray(64 shl 10)
                var echoed = 0L
                while (true) {
                    val read = input.read(buffer)
                    if (read < 0) break
                    output.write(buffer, 0, read)
                    echoed += read
                }
                echoed
            }
        }
    }

    override fun close() = listener.close()
}

class TlsFallbackTest : FunSpec({

    val dir = Files.createTempDirectory("zerocopy-tls")
    val keys = keyStore(dir)
    val trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm())
        .apply { init(keys) }.trustManagers.single() as X509TrustManager
    val selector = SelectorManager(Dispatchers.Default)
    afterSpec {
        selector.close()
        @OptIn(kotlin.io.path.ExperimentalPathApi::class)
        dir.deleteRecursively()
    }

    suspend fun <T> withTlsEcho(block: suspend (Socket) -> T): Pair<T, Long> = EchoTlsServer(keys).use { server ->
        val plain = aSocket(selector).tcp().connect(InetSocketAddress("127.0.0.1", server.port))
        val result = plain.tls(Dispatchers.Default) { trustManager = trust }.use { block(it) }
        plain.close()
        result to server.done.get(30, TimeUnit.SECONDS)
    }

    test("a TLS socket is not Selectable, so views and frames take the copy path through Ktor's channels") {
        withTimeout(60.seconds) {
            val payload = ByteView.wrap(randomBytes(3 shl 20, 31)).readOnly()
            val (received, echoed) = withTlsEcho { socket ->
                coroutineScope {
                    val sent = async { socket.sendFrom(payload) + socket.sendFrame(payload.slice(0, 1000)) }
                    val back = ByteView.allocateDirect(payload.size())
                    socket.recvInto(back)
                    val frame = socket.recvFrame(maxSize = 1000)
                    sent.await() shouldBe payload.size() + 8L + 1000
                    back to frame
                }
            }
            received.first shouldBe payload
            received.second shouldBe payload.slice(0, 1000)
            echoed shouldBe payload.size() + 8L + 1000
        }
    }

    test("sendFile on a TLS socket reports the copy mode and why") {
        withTimeout(60.seconds) {
            val bytes = randomBytes(5 shl 20, 32)
            val file = Files.write(dir.resolve("movie.bin"), bytes)
            val (result, echoed) = withTlsEcho { socket ->
                coroutineScope {
                    val sent = async { socket.sendFile(file) }
                    val back = ByteView.allocate(bytes.size)
                    socket.recvInto(back)
                    sent.await() to back
                }
            }
            val (transfer, back) = result
            transfer.transferred() shouldBe bytes.size.toLong()
            transfer.mode() shouldBe FileMode.COPY
            transfer.fallbackReason() shouldContain "io.ktor.network.tls.TLSSocket is not Selectable"
            // The TLS socket's peer is in the reason, never in the code.
            transfer.fallbackCode() shouldBe FallbackCode.NOT_A_JDK_CHANNEL
            back shouldBe ByteView.wrap(bytes)
            echoed shouldBe bytes.size.toLong()
        }
    }
})
