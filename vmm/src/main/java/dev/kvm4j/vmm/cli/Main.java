package dev.kvm4j.vmm.cli;

import dev.kvm4j.vmm.MachineRunner;
import dev.kvm4j.vmm.machine.KvmRunner;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;

/** The {@code kvm4j} command. */
@Command(name = "kvm4j", mixinStandardHelpOptions = true, version = "kvm4j 0.1.0",
        description = "A virtual machine monitor for ARM Linux guests, in Java, on Linux KVM.",
        subcommands = CommandLine.HelpCommand.class,
        footerHeading = "%nStart with:%n", footer = "  kvm4j run --help")
public final class Main implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "which command? try 'kvm4j run'");
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        System.exit(execute(args, new KvmRunner(System.in, System.out, out), out, err));
    }

    /** Runs the command line with {@code runner} behind {@code run}; returns the exit status. */
    public static int execute(String[] args, MachineRunner runner, PrintWriter out, PrintWriter err) {
        try {
            return commandLine(runner, out, err).execute(args);
        } catch (Error e) {
            // picocli hands only Exceptions to Errors; an Error (heap or stack exhausted) would otherwise end
            // the JVM with a trace in the user's face.
            return Errors.reportError(e, java.util.List.of(args), err);
        }
    }

    static CommandLine commandLine(MachineRunner runner, PrintWriter out, PrintWriter err) {
        Errors errors = new Errors();
        CommandLine cl = new CommandLine(new Main());
        cl.addSubcommand("run", new RunCommand(runner));
        cl.addSubcommand("restore", new RestoreCommand(runner));
        cl.addSubcommand("snapshot-info", new SnapshotInfoCommand());
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler(errors);
        cl.setExecutionExceptionHandler(errors);
        return cl;
    }
}
