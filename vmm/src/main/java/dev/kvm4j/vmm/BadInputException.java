package dev.kvm4j.vmm;

/**
 * Something the user gave kvm4j is wrong (an option, a kernel file): the message alone says what and
 * what would be right, so the command line prints it as one line, without a stack trace, and exits 2.
 */
public class BadInputException extends RuntimeException {
    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
