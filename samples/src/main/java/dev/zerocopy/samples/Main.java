package dev.zerocopy.samples;

import dev.zerocopy.samples.arrays.ArraysCommand;
import dev.zerocopy.samples.chat.ChatCommand;
import dev.zerocopy.samples.files.FilesCommand;
import dev.zerocopy.samples.load.LoadCommand;
import dev.zerocopy.samples.stream.StreamCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The samples' command line: {@code arrays}, {@code chat}, {@code stream},
 * {@code load} and {@code files}, each with {@code --help}.
 */
@Command(
        name = "zerocopy-samples",
        mixinStandardHelpOptions = true,
        version = "zerocopy samples 0.1.0-SNAPSHOT",
        description = "Runnable programs on the zerocopy core and its Ktor adapter, over loopback.",
        subcommands = {ArraysCommand.class, ChatCommand.class, StreamCommand.class, LoadCommand.class,
            FilesCommand.class})
public final class Main implements Runnable {

    @Spec
    private CommandSpec spec;

    /** Creates the root command; picocli fills it. */
    public Main() {
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command: arrays, chat, stream, load or files");
    }

    /**
     * Builds the command line, for running a sample in-process (tests do).
     *
     * @return a fresh command line over a fresh root command
     */
    public static CommandLine commandLine() {
        return new CommandLine(new Main());
    }

    /**
     * Runs the command in {@code args} and exits with its status.
     *
     * @param args a command and its options, e.g. {@code arrays demo}
     */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
