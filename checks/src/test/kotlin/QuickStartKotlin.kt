import dev.zerocopy.ByteView
import dev.zerocopy.ViewPool
import dev.zerocopy.ktor.SocketFutures
import dev.zerocopy.ktor.recvFrame
import dev.zerocopy.ktor.recvInto
import dev.zerocopy.ktor.sendFile
import dev.zerocopy.ktor.sendFrame
import dev.zerocopy.ktor.sendFrom
import io.ktor.network.sockets.InetSocketAddress
import io.ktor.network.sockets.aSocket
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import java.nio.file.Files
import kotlin.time.Duration.Companion.seconds

suspend fun main() {
    SocketFutures.selectorManager().use { selector ->  // Ktor's selector on threads of its own
        aSocket(selector).tcp().bind(InetSocketAddress("127.0.0.1", 0)).use { listener ->
            coroutineScope {
                launch {
                    listener.accept().use { peer ->
                        val a = ByteView.allocateDirect(1_000_000 * 8)        // numpy.zeros(1_000_000)
                        a.asDoubles().put(9, 9.0)
                        peer.sendFrom(a)                                      // no copy, no thread blocked
                        peer.sendFrame(a.slice(0, 1 shl 10).readOnly())       // header + payload, one gathering write
                        val file = Files.write(Files.createTempFile("zerocopy", ".bin"), ByteArray(4096))
                        val sent = peer.sendFile(file)                        // AUTO: measured per peer class; copies here
                        println("${sent.transferred()} bytes by ${sent.mode()}")
                        Files.delete(file)
                    }
                }
                aSocket(selector).tcp().connect(listener.localAddress).use { socket ->
                    val b = ByteView.allocateDirect(1_000_000 * 8)
                    socket.recvInto(b)                                        // fills all 8 MB
                    println(b.asDoubles().get(9))                             // 9.0
                    val pool = ViewPool(64L shl 20)                           // direct memory, reused
                    withTimeout(5.seconds) { socket.recvFrame(1 shl 20, pool) }.use { frame ->
                        println("${frame.size()} bytes framed")               // back to the pool after use {}
                    }
                    socket.recvInto(ByteView.allocate(4096))
                }
            }
        }
    }
}
