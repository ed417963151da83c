package dev.zerocopy.ktor.internal

import java.io.IOException
import java.util.Collections
import java.util.WeakHashMap

/**
 * Sends that were cancelled or failed part way, by socket or Ktor write channel: the peer saw a partial
 * message, so later sends on that socket must fail instead of corrupting the stream.
 */
private val brokenSends: MutableMap<Any, String> = Collections.synchronizedMap(WeakHashMap())

/**
 * @param connection the socket or Ktor write channel that sends
 * @throws IOException if an earlier send on [connection] ended part way
 */
internal fun checkNotBroken(connection: Any) {
    brokenSends[connection]?.let { throw IOException("the connection is broken for sending: $it") }
}

/** Marks [connection] broken for sending: a send on it ended after [sent] of [byteCount] bytes. */
internal fun markBroken(connection: Any, sent: Long, byteCount: Long) {
    brokenSends.putIfAbsent(
        connection, "a send ended after $sent of $byteCount bytes, so the peer saw a partial message"
    )
}
