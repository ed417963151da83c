package dev.zerocopy.samples.load

import java.net.InetAddress
import java.net.UnknownHostException

/**
 * The server a load run aims at: `HOST:PORT` (`[::1]:PORT` for IPv6), resolved once.
 * Only loopback addresses are accepted unless remote targets are explicitly allowed, so a
 * typo cannot point a load generator at someone else's machine.
 *
 * @property host the host as written, for the `Host` header
 * @property port the port
 * @property address the address connections go to
 */
public class LoadTarget private constructor(
    public val host: String,
    public val port: Int,
    public val address: InetAddress,
) {
    /** The `Host` header value: `host:port`, brackets around an IPv6 literal. */
    public val hostHeader: String get() = (if (host.contains(':')) "[$host]" else host) + ":$port"

    override fun toString(): String = hostHeader

    public companion object {
        private val BRACKETED = Regex("""\[([^]]+)]:(\d+)""")
        private val PLAIN = Regex("""([^:\[\]]+):(\d+)""")

        /**
         * Parses and resolves [text].
         *
         * @throws IllegalArgumentException if it is not `HOST:PORT`, the port is out of range,
         *   the host does not resolve, or it resolves to a non-loopback address and
         *   [allowRemote] is false (the message names the address)
         */
        @JvmStatic
        public fun parse(text: String, allowRemote: Boolean): LoadTarget {
            val match = BRACKETED.matchEntire(text.trim()) ?: PLAIN.matchEntire(text.trim())
                ?: throw IllegalArgumentException("target '$text' is not HOST:PORT (or [IPv6]:PORT)")
            val host = match.groupValues[1]
            val port = match.groupValues[2].toIntOrNull()?.takeIf { it in 1..65535 }
                ?: throw IllegalArgumentException("target '$text' has port ${match.groupValues[2]}, not 1 to 65535")
            val addresses = try {
                InetAddress.getAllByName(host).toList()
            } catch (unknown: UnknownHostException) {
                throw IllegalArgumentException("target host '$host' does not resolve")
            }
            val remote = addresses.firstOrNull { !it.isLoopbackAddress }
            if (remote != null && !allowRemote) {
                throw IllegalArgumentException(
                    "refusing target '$text': ${remote.hostAddress} is not a loopback address; pass --allow-remote to load a remote server"
                )
            }
            return LoadTarget(host, port, addresses.firstOrNull { it.isLoopbackAddress } ?: addresses.first())
        }
    }
}
