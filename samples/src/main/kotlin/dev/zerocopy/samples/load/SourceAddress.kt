package dev.zerocopy.samples.load

import io.ktor.network.selector.SelectorManager
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.ProtocolFamily
import java.nio.channels.DatagramChannel
import java.nio.channels.Pipe
import java.nio.channels.ServerSocketChannel
import java.nio.channels.SocketChannel
import java.nio.channels.spi.AbstractSelector
import java.nio.channels.spi.SelectorProvider

/**
 * The ephemeral ports the kernel hands out per source address and destination (the
 * default `net.ipv4.ip_local_port_range`, 32768 to 60999): past this many connections from
 * one source address to one server, `connect` fails, so a larger run needs more source
 * addresses (any of 127.0.0.0/8 works on Linux without configuration).
 */
internal const val EPHEMERAL_PORTS: Int = 28_232

/**
 * A view of [delegate] whose sockets are bound to [source] (port 0: the kernel picks it)
 * before they connect, so that one load run can open connections from several loopback
 * addresses and pass the ephemeral-port limit of one.
 *
 * Ktor's `connect` offers no local address; it opens each socket channel through its
 * selector manager's [SelectorProvider], so this manager hands out a provider whose
 * `openSocketChannel` binds the channel it opens. Everything else (selecting, closing,
 * the coroutine scope) is [delegate]'s, whose provider opens the channels, so they
 * register with its selector as usual; closing this view closes nothing.
 */
internal class SourceAddressSelector(
    private val delegate: SelectorManager,
    private val source: InetAddress,
) : SelectorManager by delegate {

    override val provider: SelectorProvider = BindingProvider(delegate.provider, source)

    override fun close() {
        // The delegate is shared by every source address and closed by its owner.
    }

    override fun toString(): String = "connections from ${source.hostAddress}"

    /** Opens what [base] opens; binds each new socket channel to [source] first. */
    private class BindingProvider(private val base: SelectorProvider, private val source: InetAddress) : SelectorProvider() {
        override fun openSocketChannel(): SocketChannel = bound(base.openSocketChannel())

        override fun openSocketChannel(family: ProtocolFamily): SocketChannel = bound(base.openSocketChannel(family))

        override fun openDatagramChannel(): DatagramChannel = base.openDatagramChannel()

        override fun openDatagramChannel(family: ProtocolFamily): DatagramChannel = base.openDatagramChannel(family)

        override fun openPipe(): Pipe = base.openPipe()

        override fun openSelector(): AbstractSelector = base.openSelector()

        override fun openServerSocketChannel(): ServerSocketChannel = base.openServerSocketChannel()

        override fun openServerSocketChannel(family: ProtocolFamily): ServerSocketChannel = base.openServerSocketChannel(family)

        private fun bound(channel: SocketChannel): SocketChannel {
            try {
                channel.bind(InetSocketAddress(source, 0))
            } catch (failed: Throwable) {
                channel.close()
                throw failed
            }
            return channel
        }
    }
}

/**
 * Parses `--source`: loopback addresses separated by commas, each an address or a range
 * of the last IPv4 byte (`127.0.0.1-4` is four addresses).
 *
 * @throws IllegalArgumentException if an address does not parse, is not loopback while
 *   [allowRemote] is false, or a range runs backwards
 */
internal fun parseSourceAddresses(text: String, allowRemote: Boolean): List<InetAddress> =
    text.split(',').map { it.trim() }.filter { it.isNotEmpty() }.flatMap { item ->
        val range = Regex("""(\d+\.\d+\.\d+\.)(\d+)-(\d+)""").matchEntire(item)
        val names = if (range == null) {
            listOf(item)
        } else {
            val (prefix, first, last) = range.destructured
            require(first.toInt() <= last.toInt() && last.toInt() <= 255) { "source range '$item' must run upwards within 0 to 255" }
            (first.toInt()..last.toInt()).map { "$prefix$it" }
        }
        names.map { name ->
            require(name.all { it.isDigit() || it == '.' || it == ':' || it in 'a'..'f' || it in 'A'..'F' }) {
                "source '$name' is not an IP address"
            }
            val address = InetAddress.getByName(name)
            require(allowRemote || address.isLoopbackAddress) {
                "source ${address.hostAddress} is not a loopback address; pass --allow-remote to use it"
            }
            address
        }
    }.distinct()
