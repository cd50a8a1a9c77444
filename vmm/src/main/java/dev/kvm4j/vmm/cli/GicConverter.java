package dev.kvm4j.vmm.cli;

import dev.kvm4j.arm.gic.GicVersion;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.util.Locale;
import java.util.Optional;

/** {@code --gic auto|v2|v3}; "auto" converts to null: the runner asks KVM. */
public final class GicConverter implements ITypeConverter<GicVersion> {
    @Override
    public GicVersion convert(String value) {
        try {
            return GicConverter.parseChoice(value).orElse(null);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    /** Parses {@code auto|v2|v3} as typed on the command line; empty means "auto" (ask KVM). */
    public static Optional<GicVersion> parseChoice(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "auto" -> Optional.empty();
            case "v2", "2" -> Optional.of(GicVersion.V2);
            case "v3", "3" -> Optional.of(GicVersion.V3);
            default -> throw new IllegalArgumentException("'" + text + "' is not a GIC version: expected auto, v2 or v3");
        };
    }
}
