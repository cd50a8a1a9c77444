package dev.kvm4j.arm.state;

import java.util.List;

/**
 * Rows walked together, in order. A per-vCPU block is walked once per vCPU (all its rows for vCPU 0, then
 * for vCPU 1 …), as a redistributor or CPU interface is restored whole; in a shared block a row's private
 * INTIDs are walked for each vCPU in turn (their banked copies), then its SPIs once.
 */
record GicRegisterBlock(boolean perVcpu, List<GicRegister> rows) {
    GicRegisterBlock {
        rows = List.copyOf(rows);
    }

    static GicRegisterBlock shared(GicRegister... rows) { return new GicRegisterBlock(false, List.of(rows)); }

    static GicRegisterBlock perVcpu(GicRegister... rows) { return new GicRegisterBlock(true, List.of(rows)); }
}
