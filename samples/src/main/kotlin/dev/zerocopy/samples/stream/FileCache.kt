package dev.zerocopy.samples.stream

import dev.zerocopy.ByteView
import dev.zerocopy.EndOfStreamException
import org.slf4j.LoggerFactory
import java.nio.channels.FileChannel
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardOpenOption

/**
 * Files loaded once, at start-up, into read-only direct views: a response is a slice of
 * one, sent with a gathering write and never copied per request. The cache is a snapshot:
 * a file changed later is still served as it was loaded, and a file added later is served
 * from disk.
 */
internal class FileCache private constructor(private val files: Map<Path, CachedFile>) {

    /** One cached file: its content and the validator of the version loaded. */
    class CachedFile(val view: ByteView, val validator: Validator)

    /** Returns the cached file at [realPath], or null. */
    operator fun get(realPath: Path): CachedFile? = files[realPath]

    /** The number of files cached. */
    val fileCount: Int get() = files.size

    /** The bytes held. */
    val byteCount: Long get() = files.values.sumOf { it.view.size() }

    companion object {
        private val log = LoggerFactory.getLogger(FileCache::class.java)

        /** An empty cache: every file is served from disk. */
        val NONE = FileCache(emptyMap())

        /**
         * Loads the files under [root], smallest first, while they fit in [limit] bytes; a
         * file past the limit stays on disk and is logged. A file over 2 GiB is held in
         * pieces, one view all the same.
         */
        fun load(root: ContentRoot, limit: Long): FileCache {
            val files = HashMap<Path, CachedFile>()
            var used = 0L
            for (file in root.files().sortedBy { it.toFile().length() }) {
                FileChannel.open(file, StandardOpenOption.READ).use { channel ->
                    val size = channel.size()
                    // Read before the content: a change while loading gives the next load a new validator.
                    val modified = Files.getLastModifiedTime(file)
                    if (size > limit - used) {
                        log.info("not cached (would pass the {}-byte cache limit): {} ({} bytes)", limit, file, size)
                        return@use
                    }
                    val view = ByteView.allocateDirect(size)
                    var loaded = 0L
                    for (buffer in view.buffers()) {
                        while (buffer.hasRemaining()) {
                            val read = channel.read(buffer, loaded)
                            if (read < 0) throw EndOfStreamException(loaded, size, "bytes of $file (it shrank while loading)")
                            loaded += read
                        }
                    }
                    files[file] = CachedFile(view.readOnly(), Validator(size, modified))
                    used += size
                }
            }
            return FileCache(files)
        }
    }
}
