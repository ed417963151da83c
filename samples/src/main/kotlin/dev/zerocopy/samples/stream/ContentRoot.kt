package dev.zerocopy.samples.stream

import java.io.ByteArrayOutputStream
import java.io.IOException
import java.nio.ByteBuffer
import java.nio.charset.CharacterCodingException
import java.nio.charset.CodingErrorAction
import java.nio.file.Files
import java.nio.file.LinkOption
import java.nio.file.Path

/**
 * The directory the server publishes. A request path maps to a file only if every
 * decoded segment is a plain name and the file's real path (symlinks followed) is
 * still inside the root's real path; anything else is "not found", so nothing outside
 * the root is ever opened, and a probe learns nothing about what exists there.
 */
internal class ContentRoot(root: Path) {

    /** The root with every symlink resolved: the prefix every served file must have. */
    val realRoot: Path = root.toRealPath()

    init {
        require(Files.isDirectory(realRoot)) { "$root is not a directory" }
    }

    /**
     * Returns the real path of the regular file that the decoded [segments] name, or null
     * if there is none inside the root.
     */
    fun resolve(segments: List<String>): Path? {
        if (segments.isEmpty() || segments.any { !isPlainName(it) }) return null
        var path = realRoot
        for (segment in segments) path = path.resolve(segment)
        val real = try {
            path.toRealPath()
        } catch (missing: IOException) {
            return null
        }
        return real.takeIf { it.startsWith(realRoot) && Files.isRegularFile(it, LinkOption.NOFOLLOW_LINKS) }
    }

    /** Every regular file under the root that a request can reach, for the cache. */
    fun files(): List<Path> = Files.walk(realRoot).use { paths ->
        paths.filter { Files.isRegularFile(it, LinkOption.NOFOLLOW_LINKS) }.toList()
    }

    companion object {
        /**
         * A segment that cannot step out of its directory or name another one: not empty,
         * not `.` or `..`, no separator or NUL (which decoding `%2f`, `%5c`, `%00` could produce).
         */
        fun isPlainName(segment: String): Boolean =
            segment.isNotEmpty() && segment != "." && segment != ".." &&
                segment.none { it == '/' || it == '\\' || it == '\u0000' }
    }
}

private val ABSOLUTE_FORM = Regex("""(?i)https?://[^/?#]*""")

/**
 * Splits a request target into its percent-decoded path segments, dropping the query and
 * fragment. The target is in origin form (`/a/b%20c?x=1`) or absolute form
 * (`http://host:8080/a?x=1`), which RFC 9112 (section 3.2.2) says a server must accept; the
 * scheme and authority of the latter are dropped, since this server serves one root
 * whatever the host.
 *
 * @throws HttpError 400 if the target is neither form or has a bad escape or bytes that
 *   are not UTF-8
 */
internal fun pathSegments(target: CharSequence): List<String> {
    val text = target.toString()
    val origin = ABSOLUTE_FORM.matchAt(text, 0)?.let { authority ->
        text.substring(authority.range.last + 1).let { if (it.startsWith("/")) it else "/$it" }
    } ?: text
    if (!origin.startsWith("/")) {
        throw HttpError(Status.BAD_REQUEST, "request target '$text' is not a path starting with '/' or an http URI")
    }
    val path = origin.substring(1).substringBefore('?').substringBefore('#')
    if (path.isEmpty()) return emptyList()
    return path.split('/').map { percentDecode(it, text) }
}

private fun percentDecode(segment: String, target: String): String {
    if ('%' !in segment) return segment
    val bytes = ByteArrayOutputStream(segment.length)
    var i = 0
    while (i < segment.length) {
        val c = segment[i]
        if (c == '%') {
            val hex = if (i + 2 < segment.length) segment.substring(i + 1, i + 3) else ""
            val value = hex.takeIf { it.length == 2 && it.all { d -> Character.digit(d, 16) >= 0 } }?.toInt(16)
                ?: throw HttpError(Status.BAD_REQUEST, "request target '$target' has a bad escape at '${segment.substring(i)}'")
            bytes.write(value)
            i += 3
        } else {
            // Request targets are ASCII (the parser rejects anything else).
            bytes.write(c.code)
            i++
        }
    }
    val decoder = Charsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
    return try {
        decoder.decode(ByteBuffer.wrap(bytes.toByteArray())).toString()
    } catch (bad: CharacterCodingException) {
        throw HttpError(Status.BAD_REQUEST, "request target '$target' decodes to bytes that are not UTF-8")
    }
}
