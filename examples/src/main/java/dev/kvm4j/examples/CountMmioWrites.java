package dev.kvm4j.examples;

import dev.kvm4j.arm.VcpuFeature;
import dev.kvm4j.arm.VcpuInit;
import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.KvmUnavailableException;
import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.VcpuExit;
import dev.kvm4j.kvm.Vm;

/**
 * A bare-metal AArch64 guest on an arm64 host's {@code /dev/kvm}: one vCPU, 64 KiB of RAM, six instructions
 * that store to an address no memory backs a few times, then power off through PSCI. Each store reaches
 * this program as an MMIO exit; the power-off as a system event.
 * <pre>
 * java --module-path MODS --enable-native-access=dev.kvm4j.kvm -m dev.kvm4j.examples/dev.kvm4j.examples.CountMmioWrites
 * </pre>
 */
public final class CountMmioWrites {
    private CountMmioWrites() {}

    static final long RAM = 0x4000_0000L;
    static final long RAM_SIZE = 0x1_0000L;
    /** No memory slot covers this address: the guest's accesses to it exit to us as MMIO. */
    static final long DEVICE = 0x0900_0000L;
    static final int WRITES = 5;
    /** PSCI 0.2 SYSTEM_OFF, the function id the guest passes in x0 to its {@code hvc}. */
    static final long PSCI_SYSTEM_OFF = 0x8400_0008L;

    // aarch64-linux-gnu-as + objdump -d; x1 = first value, x2 = DEVICE, x4 = count, x0 = PSCI_SYSTEM_OFF
    static final int[] PROGRAM = {
            0xf9000041, // 1: str  x1, [x2]      one MMIO write
            0x91000421, //    add  x1, x1, #1
            0xf1000484, //    subs x4, x4, #1
            0x54ffffa1, //    b.ne 1b
            0xd4000002, //    hvc  #0            PSCI SYSTEM_OFF: KVM ends the run with a system event
            0x14000000, //    b    .
    };

    /**
     * Runs the guest and prints each MMIO write, then the count.
     *
     * @param args none
     */
    public static void main(String[] args) {
        if (!"aarch64".equals(System.getProperty("os.arch"))) {
            System.err.println("CountMmioWrites: the guest is AArch64 code: run this on an arm64 host with /dev/kvm (this one is "
                    + System.getProperty("os.arch") + ")");
            System.exit(2);
        }
        try (Kvm kvm = Kvm.open();
             Vm vm = kvm.createVm();
             GuestMemory ram = GuestMemory.allocate(RAM, RAM_SIZE)) {
            vm.addMemory(0, ram);
            ram.writeInts(RAM, PROGRAM);
            try (Vcpu vcpu = vm.createVcpu(0)) {
                // The host's preferred CPU target, with KVM's in-kernel PSCI 0.2 for the power-off.
                VcpuInit.preferred(vm, VcpuFeature.PSCI_0_2).apply(vcpu);
                vcpu.setOneReg(CoreRegister.PC.id(), RAM);
                vcpu.setOneReg(CoreRegister.x(0).id(), PSCI_SYSTEM_OFF);
                vcpu.setOneReg(CoreRegister.x(1).id(), 100);
                vcpu.setOneReg(CoreRegister.x(2).id(), DEVICE);
                vcpu.setOneReg(CoreRegister.x(4).id(), WRITES);
                int writes = 0;
                while (true) {
                    VcpuExit exit = vcpu.run(); // a view over kvm_run, valid until the next run()
                    if (exit instanceof VcpuExit.Mmio m && m.isWrite()) {
                        writes++;
                        System.out.printf("MMIO write %d: 0x%x <- %d (%d bytes)%n", writes, m.address(), m.data(), m.length());
                    } else if (exit instanceof VcpuExit.SystemEvent e) {
                        System.out.println("guest powered off: " + e.typeName());
                        break;
                    } else {
                        throw new IllegalStateException("unexpected exit: " + exit);
                    }
                }
                System.out.println(writes + " MMIO writes");
            }
        } catch (KvmUnavailableException e) {
            System.err.println("CountMmioWrites: " + e.getMessage()); // no /dev/kvm, or not ARM's
            System.exit(2);
        }
    }
}
