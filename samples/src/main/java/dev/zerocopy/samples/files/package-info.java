/**
 * The {@code files} sample, in plain Java: a blocking file server and client on
 * virtual threads (JDK 21+), using {@code ZeroCopy.sendFile}/{@code recvFile} on
 * blocking {@code SocketChannel}s, with deadlines, printing the mode each transfer ran.
 */
package dev.zerocopy.samples.files;
