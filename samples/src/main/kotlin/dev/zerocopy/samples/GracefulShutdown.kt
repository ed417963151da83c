package dev.zerocopy.samples

/**
 * Makes a serving command stop gracefully when the JVM is asked to exit (SIGTERM, Ctrl-C):
 * [shutdown] runs in a shutdown hook named [name], and the JVM exits once it returns. It is
 * the same for every sample server: stop accepting, let the work in progress finish within
 * the command's `--shutdown-grace`, then close what is left. [shutdown] must block until the
 * server is closed and must bound its own wait by the grace period, since nothing else does.
 */
internal fun shutDownGracefullyOnExit(name: String, shutdown: () -> Unit) {
    Runtime.getRuntime().addShutdownHook(Thread(shutdown, name))
}
