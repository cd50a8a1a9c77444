package dev.kvm4j.vmm;

/**
 * Something the user gave kvm4j is wrong (an option, a kernel file): the message alone says what and
 * what would be right, so the command line prints it as one line, without a stack trace, and exits 2.
 */
public class BadInputException extends RuntimeException {
    /**
     * A mistake in what the user gave.
     *
     * @param message one line: what is wrong and what would be right
     */
    public BadInputException(String message) {
        super(message);
    }

    /**
     * A mistake in what the user gave, found through another failure.
     *
     * @param message one line: what is wrong and what would be right
     * @param cause the failure, shown with {@code --verbose}
     */
    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
