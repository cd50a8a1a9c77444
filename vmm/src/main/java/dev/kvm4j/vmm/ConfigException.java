package dev.kvm4j.vmm;

/** A machine option out of range or contradicting another (e.g. 16 vCPUs with a GICv2). */
public final class ConfigException extends BadInputException {
    /**
     * An option out of range.
     *
     * @param message one line naming the option, its value and the range
     */
    public ConfigException(String message) {
        super(message);
    }
}
