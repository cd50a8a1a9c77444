package dev.kvm4j.arm.state;

import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.arm.state.GicStateEngine.Access;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static dev.kvm4j.arm.gic.GicAbi.*;
import static org.junit.jupiter.api.Assertions.*;

/** The walks the engine builds from the register tables: sizes, CPU fields and the documented orders. */
class GicStatePlanTest {
    private static final List<Integer> TWO_V3 = List.of(0, 1);

    private static int first(List<Access> plan, String namePrefix) {
        for (int i = 0; i < plan.size(); i++) if (plan.get(i).name().startsWith(namePrefix)) return i;
        return fail("no " + namePrefix + " in the walk");
    }

    private static int last(List<Access> plan, String namePrefix) {
        for (int i = plan.size() - 1; i >= 0; i--) if (plan.get(i).name().startsWith(namePrefix)) return i;
        return fail("no " + namePrefix + " in the walk");
    }

    @Test
    void v3WalkForTwoVcpusAnd96Intids() {
        List<Access> plan = GicStateEngine.plan(GicVersion.V3, 96, TWO_V3, i -> 5);
        Map<Integer, Long> perGroup = plan.stream().collect(Collectors.groupingBy(Access::group, TreeMap::new, Collectors.counting()));
        // DIST: IIDR, CTLR, STATUSR + 64 SPIs: IGROUPR 2, ISENABLER 2, IROUTER 128 halves, ICFGR 4, ISPENDR 2, ISACTIVER 2, IPRIORITYR 16.
        assertEquals(3 + 2 + 2 + 128 + 4 + 2 + 2 + 16, perGroup.get(KVM_DEV_ARM_VGIC_GRP_DIST_REGS));
        // REDIST per vCPU: CTLR, STATUSR, WAKER, IGROUPR0, ISENABLER0, ICFGR1, ISPENDR0, ISACTIVER0, 8 IPRIORITYR.
        assertEquals(2 * 16, perGroup.get(KVM_DEV_ARM_VGIC_GRP_REDIST_REGS));
        assertEquals(2 + 2, perGroup.get(KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO));
        // ICC: SRE, CTLR, IGRPEN0/1, PMR, BPR0/1, AP0R0, AP1R0 with 5 priority bits.
        assertEquals(2 * 9, perGroup.get(KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS));
        assertEquals(2 * 8, GicStateEngine.plan(GicVersion.V3, 96, TWO_V3, i -> 7).stream()
                .filter(a -> a.group() == KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS && a.name().startsWith("ICC_AP")).count());

        assertEquals("GICD_IIDR", plan.get(0).name(), "IIDR before anything else");
        assertEquals("GICD_CTLR", plan.get(1).name());
        assertTrue(last(plan, "GICR_") < first(plan, "GICD_IGROUPR"), "redistributors before the distributor's SPIs");
        assertTrue(last(plan, "GICD_IROUTER") < first(plan, "GICD_ISPENDR"), "routing before pending");
        assertTrue(last(plan, "GICD_ICFGR") < first(plan, "GICD_ISPENDR"), "trigger configuration before pending");
        assertTrue(last(plan, "LINE_LEVEL INTID 64") < first(plan, "GICD_ISPENDR"), "line levels before pending");
        assertTrue(last(plan, "GICD_") < first(plan, "ICC_"), "CPU interfaces last");
    }

    @Test
    void v3AttributesCarryTheAffinityAndTheArchitecturalOffsets() {
        int aff = GicStateEngine.affinity(0x01_8000_0203L); // Aff3 1, bit 31 (RES1), Aff2 0, Aff1 2, Aff0 3
        assertEquals(0x0100_0203, aff);
        List<Access> plan = GicStateEngine.plan(GicVersion.V3, 64, List.of(0, aff), i -> 5);
        Access pend = plan.stream().filter(a -> a.name().equals("GICR_ISPENDR0+0x0 of vCPU 1")).findFirst().orElseThrow();
        assertEquals(0x0100_0203L << 32 | 0x10200, pend.attr());
        assertEquals(0x0100_0203L << 32 | 0x10280, pend.clearAttr());
        Access router = plan.stream().filter(a -> a.name().startsWith("GICD_IROUTER")).findFirst().orElseThrow();
        assertEquals(0x6000 + 8 * 32, router.attr(), "IROUTER of INTID 32, low half, no CPU field");
        Access sre = plan.stream().filter(a -> a.name().equals("ICC_SRE_EL1 of vCPU 1")).findFirst().orElseThrow();
        assertEquals(0x0100_0203L << 32 | 0xc665, sre.attr());
        assertEquals(8, sre.size());
        Access levels = plan.stream().filter(a -> a.name().equals("LINE_LEVEL INTID 32")).findFirst().orElseThrow();
        assertEquals(32, levels.attr(), "SPI line levels through vCPU 0 (affinity 0)");
    }

    @Test
    void v2WalkBanksPrivateIntidsPerVcpuAndTargetsBeforePending() {
        List<Access> plan = GicStateEngine.plan(GicVersion.V2, 64, List.of(0, 1), i -> 5);
        assertEquals("GICD_IIDR", plan.get(0).name(), "IIDR first: KVM ignores IGROUPR writes until it is written");
        Map<Integer, Long> perGroup = plan.stream().collect(Collectors.groupingBy(Access::group, TreeMap::new, Collectors.counting()));
        // IIDR, CTLR; IGROUPR/ISENABLER/ISPENDR/ISACTIVER 2 banked + 1; ITARGETSR 8; ICFGR 2 banked + 2;
        // IPRIORITYR 2 × 8 banked + 8; SPENDSGIR 2 × 4.
        assertEquals(2 + 4 * 3 + 8 + 4 + 24 + 8, perGroup.get(KVM_DEV_ARM_VGIC_GRP_DIST_REGS));
        assertEquals(2 * 8, perGroup.get(KVM_DEV_ARM_VGIC_GRP_CPU_REGS));
        assertEquals(List.of(0x100L, 1L << 32 | 0x100, 0x104L), plan.stream().filter(a -> a.name().startsWith("GICD_ISENABLER"))
                .map(Access::attr).toList(), "vCPU 0's bank, vCPU 1's, then the SPIs");
        assertTrue(last(plan, "GICD_ITARGETSR") < first(plan, "GICD_ISPENDR"));
        assertTrue(last(plan, "GICD_ICFGR") < first(plan, "GICD_ISPENDR"));
        assertTrue(last(plan, "GICD_ISPENDR") < first(plan, "GICD_SPENDSGIR"));
        assertEquals(0xF10L, plan.get(first(plan, "GICD_SPENDSGIR")).clearAttr());
    }
}
