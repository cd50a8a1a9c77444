package dev.kvm4j.vmm;

import java.util.Locale;
import java.util.Optional;

/** The in-kernel interrupt controller the machine is built with. */
public enum GicVersion {
    V2, V3;

    public int maxCpus() {
        return this == V2 ? Layout.GIC_V2_MAX_CPUS : Layout.GIC_V3_MAX_CPUS;
    }

    /** Parses {@code auto|v2|v3} as typed on the command line; empty means "auto" (probe KVM). */
    public static Optional<GicVersion> parseChoice(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "auto" -> Optional.empty();
            case "v2", "2" -> Optional.of(V2);
            case "v3", "3" -> Optional.of(V3);
            default -> throw new IllegalArgumentException("'" + text + "' is not a GIC version: expected auto, v2 or v3");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
