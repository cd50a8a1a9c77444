package dev.kvm4j.kvm;

import java.lang.foreign.MemorySegment;

import static dev.kvm4j.kvm.abi.KvmStructs.STRUCT_KVM_RUN;
import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Why {@code KVM_RUN} returned. Each kind is a view over the vCPU's mmap'ed {@code kvm_run}, owned by
 * the vCPU and reused, so an exit costs no allocation; it is valid until the next {@link Vcpu#run()}.
 * The set is sealed: an exhaustive {@code switch} covers every exit, and a reason kvm4j does not decode
 * arrives as {@link Other} with its number.
 */
public sealed interface VcpuExit {

    private static long at(String union, String member) {
        return STRUCT_KVM_RUN.byteOffset(groupElement("$exit"), groupElement(union), groupElement(member));
    }

    /** A guest load or store to an address no memory slot backs (KVM_EXIT_MMIO). */
    final class Mmio implements VcpuExit {
        private static final long ADDR = at("mmio", "phys_addr"), DATA = at("mmio", "data"),
                LEN = at("mmio", "len"), IS_WRITE = at("mmio", "is_write");
        private final MemorySegment run;

        Mmio(MemorySegment run) { this.run = run; }

        /** {@return the guest physical address accessed} */
        public long address() { return run.get(JAVA_LONG, ADDR); }

        /** {@return the access's width in bytes: 1, 2, 4 or 8} */
        public int length() { return run.get(JAVA_INT, LEN); }

        /** {@return true for a store, false for a load} */
        public boolean isWrite() { return run.get(JAVA_BYTE, IS_WRITE) != 0; }

        /**
         * The value a write stores, zero-extended from {@link #length()} bytes.
         *
         * @return the value written (meaningless for a read)
         */
        public long data() {
            long v = run.get(JAVA_LONG_UNALIGNED, DATA);
            int len = length();
            return len >= 8 ? v : v & ((1L << (8 * len)) - 1);
        }

        /**
         * The value a read returns to the guest; only the low {@link #length()} bytes count. Set it before the next
         * {@link Vcpu#run()}, which completes the load.
         *
         * @param value the value the guest's load gets
         */
        public void setData(long value) { run.set(JAVA_LONG_UNALIGNED, DATA, value); }

        @Override
        public String toString() {
            return String.format("MMIO %s 0x%x len %d data 0x%x", isWrite() ? "write" : "read", address(), length(), data());
        }
    }

    /** A port I/O instruction (x86 only; KVM_EXIT_IO). The data lives inside kvm_run at {@code data_offset}. */
    final class Io implements VcpuExit {
        private static final long DIRECTION = at("io", "direction"), SIZE = at("io", "size"), PORT = at("io", "port"),
                COUNT = at("io", "count"), DATA_OFFSET = at("io", "data_offset");
        private final MemorySegment run;

        Io(MemorySegment run) { this.run = run; }

        /** {@return true for {@code out}, false for {@code in}} */
        public boolean isOut() { return run.get(JAVA_BYTE, DIRECTION) == dev.kvm4j.kvm.abi.ExitReason.KVM_EXIT_IO_OUT; }

        /** {@return the I/O port} */
        public int port() { return Short.toUnsignedInt(run.get(JAVA_SHORT, PORT)); }

        /** {@return the width of each element in bytes: 1, 2 or 4} */
        public int size() { return run.get(JAVA_BYTE, SIZE); }

        /** {@return the number of elements ({@code rep ins/outs} move more than one)} */
        public int count() { return run.get(JAVA_INT, COUNT); }

        /**
         * The first element's bytes, as a little-endian value of {@link #size()} bytes.
         *
         * @return the value written by {@code out} (meaningless for {@code in})
         */
        public long data() {
            long off = run.get(JAVA_LONG, DATA_OFFSET);
            return switch (size()) {
                case 1 -> Byte.toUnsignedLong(run.get(JAVA_BYTE, off));
                case 2 -> Short.toUnsignedLong(run.get(JAVA_SHORT.withByteAlignment(1), off));
                default -> Integer.toUnsignedLong(run.get(JAVA_INT.withByteAlignment(1), off));
            };
        }

        /**
         * The value the first element of an {@code in} returns to the guest; set it before the next {@link Vcpu#run()}.
         *
         * @param value the value; only the low {@link #size()} bytes count
         */
        public void setData(long value) {
            long off = run.get(JAVA_LONG, DATA_OFFSET);
            switch (size()) {
                case 1 -> run.set(JAVA_BYTE, off, (byte) value);
                case 2 -> run.set(JAVA_SHORT.withByteAlignment(1), off, (short) value);
                default -> run.set(JAVA_INT.withByteAlignment(1), off, (int) value);
            }
        }

        @Override
        public String toString() { return String.format("IO %s port 0x%x size %d", isOut() ? "out" : "in", port(), size()); }
    }

    /** The guest halted (x86 HLT with no in-kernel local APIC; KVM_EXIT_HLT). */
    final class Hlt implements VcpuExit {
        Hlt() {}

        @Override
        public String toString() { return "HLT"; }
    }

    /** A guest-wide event: power off, reset, crash (PSCI on ARM; KVM_EXIT_SYSTEM_EVENT). */
    final class SystemEvent implements VcpuExit {
        private static final long TYPE = at("system_event", "type"), NDATA = at("system_event", "ndata"),
                DATA = at("system_event", "data");
        private final MemorySegment run;

        SystemEvent(MemorySegment run) { this.run = run; }

        /** {@return the event: {@code KVM_SYSTEM_EVENT_SHUTDOWN}, {@code _RESET}, {@code _CRASH}, ...} */
        public int type() { return run.get(JAVA_INT, TYPE); }

        /** {@return how many of the event's data words are valid} */
        public int ndata() { return run.get(JAVA_INT, NDATA); }

        /**
         * One of the event's data words (on arm64, {@code data[0]} says whether a reset was PSCI SYSTEM_RESET2).
         *
         * @param i the index, 0 to 15
         * @return the word
         * @throws IndexOutOfBoundsException outside 0 to 15
         */
        public long data(int i) {
            if (i < 0 || i >= 16) throw new IndexOutOfBoundsException("system_event.data[" + i + "]");
            return run.get(JAVA_LONG, DATA + 8L * i);
        }

        /** {@return the event's name without {@code KVM_SYSTEM_EVENT_}: SHUTDOWN, RESET, CRASH, WAKEUP, SUSPEND} */
        public String typeName() {
            return switch (type()) {
                case 1 -> "SHUTDOWN";
                case 2 -> "RESET";
                case 3 -> "CRASH";
                case 4 -> "WAKEUP";
                case 5 -> "SUSPEND";
                default -> "type " + type();
            };
        }

        @Override
        public String toString() { return "SYSTEM_EVENT " + typeName(); }
    }

    /** The hardware refused to enter the guest (KVM_EXIT_FAIL_ENTRY). */
    final class FailEntry implements VcpuExit {
        private static final long REASON = at("fail_entry", "hardware_entry_failure_reason"), CPU = at("fail_entry", "cpu");
        private final MemorySegment run;

        FailEntry(MemorySegment run) { this.run = run; }

        /** {@return the hardware's reason code, as the architecture defines it} */
        public long hardwareEntryFailureReason() { return run.get(JAVA_LONG, REASON); }

        /** {@return the host CPU on which the entry failed} */
        public int cpu() { return run.get(JAVA_INT, CPU); }

        @Override
        public String toString() { return String.format("FAIL_ENTRY reason 0x%x cpu %d", hardwareEntryFailureReason(), cpu()); }
    }

    /** KVM itself could not handle something (KVM_EXIT_INTERNAL_ERROR). */
    final class InternalError implements VcpuExit {
        private static final long SUBERROR = at("internal", "suberror"), NDATA = at("internal", "ndata"), DATA = at("internal", "data");
        private final MemorySegment run;

        InternalError(MemorySegment run) { this.run = run; }

        /** {@return the {@code KVM_INTERNAL_ERROR_*} suberror} */
        public int suberror() { return run.get(JAVA_INT, SUBERROR); }

        /** {@return how many data words the kernel gave, at most 16} */
        public int ndata() { return Math.min(16, run.get(JAVA_INT, NDATA)); }

        /**
         * One of the kernel's data words about the error.
         *
         * @param i the index, 0 to 15
         * @return the word
         * @throws IndexOutOfBoundsException outside 0 to 15
         */
        public long data(int i) {
            if (i < 0 || i >= 16) throw new IndexOutOfBoundsException("internal.data[" + i + "]");
            return run.get(JAVA_LONG, DATA + 8L * i);
        }

        @Override
        public String toString() { return "INTERNAL_ERROR suberror " + suberror(); }
    }

    /** The run was interrupted: a {@link Vcpu#kick()}, a signal, or {@code immediate_exit} (KVM_EXIT_INTR / EINTR). */
    final class Interrupted implements VcpuExit {
        Interrupted() {}

        @Override
        public String toString() { return "INTR"; }
    }

    /** The guest triple-faulted or otherwise shut down (x86; KVM_EXIT_SHUTDOWN). */
    final class Shutdown implements VcpuExit {
        Shutdown() {}

        @Override
        public String toString() { return "SHUTDOWN"; }
    }

    /** An MMIO access whose syndrome the CPU did not decode (ARM; KVM_EXIT_ARM_NISV). */
    final class ArmNisv implements VcpuExit {
        private static final long ESR_ISS = at("arm_nisv", "esr_iss"), FAULT_IPA = at("arm_nisv", "fault_ipa");
        private final MemorySegment run;

        ArmNisv(MemorySegment run) { this.run = run; }

        /** {@return the ISS field of the fault's ESR_EL2 (the syndrome the CPU did give)} */
        public long esrIss() { return run.get(JAVA_LONG, ESR_ISS); }

        /** {@return the guest physical address of the access} */
        public long faultIpa() { return run.get(JAVA_LONG, FAULT_IPA); }

        @Override
        public String toString() { return String.format("ARM_NISV ipa 0x%x esr_iss 0x%x", faultIpa(), esrIss()); }
    }

    /** A debug exception for the VMM (KVM_EXIT_DEBUG); the arch layer decodes {@link #archData()}. */
    final class Debug implements VcpuExit {
        private final MemorySegment archData;

        Debug(MemorySegment run) { this.archData = run.asSlice(STRUCT_KVM_RUN.byteOffset(groupElement("$exit")), 32); }

        /** {@return {@code struct kvm_debug_exit_arch} of this architecture, inside {@code kvm_run}} */
        public MemorySegment archData() { return archData; }

        @Override
        public String toString() { return "DEBUG"; }
    }

    /** Any exit reason kvm4j does not decode: its number, and for KVM_EXIT_UNKNOWN the hardware reason. */
    final class Other implements VcpuExit {
        private static final long HW = at("hw", "hardware_exit_reason");
        private final MemorySegment run;
        private int reason;

        Other(MemorySegment run) { this.run = run; }

        Other with(int reason) {
            this.reason = reason;
            return this;
        }

        /** {@return the {@code KVM_EXIT_*} number} */
        public int reason() { return reason; }

        /** {@return the hardware's exit reason, meaningful for {@code KVM_EXIT_UNKNOWN}} */
        public long hardwareExitReason() { return run.get(JAVA_LONG, HW); }

        @Override
        public String toString() { return "exit reason " + reason + " (not decoded by kvm4j)"; }
    }
}
