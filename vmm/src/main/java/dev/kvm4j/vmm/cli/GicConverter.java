package dev.kvm4j.vmm.cli;

import dev.kvm4j.vmm.GicVersion;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --gic auto|v2|v3}; "auto" converts to null: the runner asks KVM. */
public final class GicConverter implements ITypeConverter<GicVersion> {
    @Override
    public GicVersion convert(String value) {
        try {
            return GicVersion.parseChoice(value).orElse(null);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
