package dev.zerocopy.samples

/**
 * Makes a serving command stop gracefully when the JVM is asked to exit (SIGTERM, Ctrl-C):
 * [shutdown] runs in a shutdown hook named [name], and the JVM exits once it returns. It is
 * the same for every sample server: stop accepting, let the work in progress finish within
 * the command's `--shutdown-grace`, then close what is left. [shutdown] must block until the
 * server is closed and must bound its own wait by the grace period, since nothing else does.
 *
 * @return a handle whose `close` removes the hook, for a command that ends by itself (a hook
 *   left behind would keep the server reachable and run at exit); closed while the JVM is
 *   already exiting, it leaves the running hook alone
 */
internal fun shutDownGracefullyOnExit(name: String, shutdown: () -> Unit): AutoCloseable {
    val hook = Thread(shutdown, name)
    Runtime.getRuntime().addShutdownHook(hook)
    return AutoCloseable {
        try {
            Runtime.getRuntime().removeShutdownHook(hook)
        } catch (exiting: IllegalStateException) {
            // The JVM is shutting down: the hook is running, or about to, and must finish.
        }
    }
}
