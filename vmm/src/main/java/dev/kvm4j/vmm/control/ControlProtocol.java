package dev.kvm4j.vmm.control;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The control socket's line protocol: one command per line ({@code pause}, {@code resume},
 * {@code snapshot FILE}, {@code status}, {@code quit}), one answer line each, {@code ok ...} or
 * {@code error ...}. A bad command or a failed one is an answer, never the machine's end.
 */
public final class ControlProtocol {
    private ControlProtocol() {}

    /** The longest line a client may send; a longer one is refused (and the connection closed by the server). */
    public static final int MAX_LINE = 4096;

    /** The list of commands, sent with an unknown or empty command's error. */
    public static final String HELP = "commands: pause, resume, snapshot FILE, status, quit";

    /**
     * The answer to {@code line} (without its newline). Never throws: a failure of the command is an
     * {@code error ...} answer.
     *
     * @param line one command line as the client sent it, newline removed
     * @param machine the machine the command acts on
     * @return the answer line, {@code ok ...} or {@code error ...}, without a newline
     */
    public static String answer(String line, Controllable machine) {
        String trimmed = line.strip();
        int space = trimmed.indexOf(' ');
        String command = (space < 0 ? trimmed : trimmed.substring(0, space)).toLowerCase(Locale.ROOT);
        String argument = space < 0 ? "" : trimmed.substring(space + 1).strip();
        try {
            return switch (command) {
                case "pause" -> noArgument(command, argument) ? "ok " + machine.pause() : usage(command);
                case "resume" -> noArgument(command, argument) ? "ok " + machine.resume() : usage(command);
                case "status" -> noArgument(command, argument) ? "ok " + machine.status() : usage(command);
                case "quit" -> noArgument(command, argument) ? "ok " + machine.quit() : usage(command);
                case "snapshot" -> argument.isEmpty() ? "error snapshot needs a file: snapshot FILE" : "ok " + machine.snapshot(Path.of(argument));
                case "" -> "error empty command; " + HELP;
                default -> "error unknown command '" + printable(command) + "'; " + HELP;
            };
        } catch (InvalidPathException e) {
            return "error not a file name: " + printable(argument);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "error interrupted";
        } catch (Exception e) {
            return "error " + oneLine(e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    private static boolean noArgument(String command, String argument) { return argument.isEmpty(); }

    private static String usage(String command) { return "error " + command + " takes no argument"; }

    static String oneLine(String s) { return s.replaceAll("[\\r\\n]+", " ").strip(); }

    /** What a client sent, safe to echo on one line. */
    private static String printable(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return cut.codePoints().map(c -> c < 0x20 || c == 0x7f ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }
}
