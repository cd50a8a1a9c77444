package dev.kvm4j.kvm.testing;

import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.Vm;
import org.junit.jupiter.api.Assumptions;

/**
 * A one-vCPU guest for this host's architecture that stays in KVM_RUN until kicked, for the arch-neutral
 * concurrency and lifetime tests: {@link Arm64TestGuest} on arm64, {@link X86TestGuest} on x86_64.
 */
public final class HostGuest implements AutoCloseable {
    /** How the guest stays in KVM_RUN: running instructions, or waiting for an interrupt (WFI, HLT). */
    public enum Kind { SPIN, WAIT }

    /** arm64 core register ids of x5, x6; x86 MSR ids (KVM_X86_REG_MSR, Linux 6.18+) of SYSENTER_ESP, SYSENTER_EIP. */
    private static final long X86_MSR = 0x2000_0000_0000_0000L | 0x0030_0000_0000_0000L | 2L << 32;

    public final Vm vm;
    public final Vcpu vcpu;
    /** Two registers that take any {@link #value} and read it back unchanged. */
    public final long regA, regB;
    private final AutoCloseable guest;

    private HostGuest(Vm vm, Vcpu vcpu, long regA, long regB, AutoCloseable guest) {
        this.vm = vm;
        this.vcpu = vcpu;
        this.regA = regA;
        this.regB = regB;
        this.guest = guest;
    }

    public static HostGuest create(Kind kind) {
        return switch (RealKvmCondition.hostArch()) {
            case "aarch64" -> {
                var g = new Arm64TestGuest(kind == Kind.SPIN ? Arm64TestGuest.SPIN : Arm64TestGuest.WFI);
                yield new HostGuest(g.vm, g.vcpu, Arm64TestGuest.x(5), Arm64TestGuest.x(6), g);
            }
            case "amd64" -> {
                var g = new X86TestGuest(kind == Kind.SPIN ? X86TestGuest.SPIN : X86TestGuest.HALT, kind == Kind.WAIT);
                yield new HostGuest(g.vm, g.vcpu, X86_MSR | 0x175, X86_MSR | 0x176, g);
            }
            default -> throw Assumptions.<RuntimeException>abort("no test guest for " + RealKvmCondition.hostArch());
        };
    }

    /** Makes another vCPU of {@link #vm} ready for ONE_REG (arm64 needs KVM_ARM_VCPU_INIT first). */
    public Vcpu prepare(Vcpu other) {
        if (RealKvmCondition.hostArch().equals("aarch64")) Arm64TestGuest.init(vm, other);
        return other;
    }

    /** A value tagged by {@code tag} (a thread) and {@code i}; small enough to be a canonical x86 address. */
    public static long value(int tag, int i) { return (long) tag << 40 | Integer.toUnsignedLong(i) << 4; }

    /** Skips the test where this kernel has no ONE_REG for the registers (x86 before Linux 6.18). */
    public HostGuest requireOneReg() {
        try {
            vcpu.setOneReg(regA, value(7, 7));
            if (vcpu.getOneReg(regA) != value(7, 7)) throw new AssertionError("register 0x" + Long.toHexString(regA) + " does not read back");
        } catch (dev.kvm4j.kvm.KvmException e) {
            close();
            Assumptions.abort("this kernel has no KVM_SET_ONE_REG for the test registers: " + e.getMessage());
        }
        return this;
    }

    @Override
    public void close() {
        try {
            guest.close();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
