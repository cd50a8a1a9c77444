package dev.kvm4j.vmm.cli;

import dev.kvm4j.arm.VcpuFeatureUnavailableException;
import dev.kvm4j.arm.gic.GicException;
import dev.kvm4j.kvm.KvmException;
import dev.kvm4j.kvm.KvmUnavailableException;
import dev.kvm4j.vmm.BadInputException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

import java.io.PrintWriter;
import java.util.List;

/**
 * How kvm4j reports failure: a user's mistake is one line and status 2; anything else is one line and
 * status 1. The stack trace only with --verbose, for whoever debugs kvm4j itself.
 */
final class Errors implements IParameterExceptionHandler, IExecutionExceptionHandler {
    static final int USER_MISTAKE = 2, FAILURE = 1;

    @Override
    public int handleParseException(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println("kvm4j: " + e.getMessage() + " (see '" + cl.getCommandSpec().qualifiedName() + " --help')");
        if (verbose(List.of(args))) e.printStackTrace(err);
        err.flush();
        return USER_MISTAKE;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine cl, ParseResult parsed) {
        PrintWriter err = cl.getErr();
        boolean verbose = verbose(parsed.originalArgs());
        if (e instanceof BadInputException || hostCannot(e)) {
            err.println("kvm4j: " + e.getMessage());
        } else {
            err.println("kvm4j: internal error: " + e + (verbose ? "" : " (--verbose shows where)"));
        }
        if (verbose) e.printStackTrace(err);
        err.flush();
        return e instanceof BadInputException ? USER_MISTAKE : FAILURE;
    }

    /** A JVM {@link Error} during a command: one line, status 1, the trace only with --verbose. */
    static int reportError(Error e, List<String> args, PrintWriter err) {
        String what = e instanceof OutOfMemoryError
                ? "the JVM ran out of memory (" + e.getMessage() + "); give it more with -Xmx, or use a smaller --memory"
                : "internal error: " + e;
        err.println("kvm4j: " + what + (verbose(args) ? "" : " (--verbose shows where)"));
        if (verbose(args)) e.printStackTrace(err);
        err.flush();
        return FAILURE;
    }

    /**
     * The host lacks what the machine needs (no /dev/kvm, no AArch32 EL1, another vGIC) or the kernel
     * refused a request: a fact about this host to report plainly, not a kvm4j bug.
     */
    private static boolean hostCannot(Exception e) {
        return e instanceof KvmUnavailableException || e instanceof VcpuFeatureUnavailableException
                || e instanceof GicException || e instanceof KvmException;
    }

    private static boolean verbose(List<String> args) {
        return args.contains("--verbose") || args.contains("-v");
    }
}
