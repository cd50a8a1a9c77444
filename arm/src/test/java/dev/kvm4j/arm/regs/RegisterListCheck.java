package dev.kvm4j.arm.regs;

import dev.kvm4j.kvm.Vcpu;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** What the register-list tests demand of every id a kernel lists; shared by the offline and real-KVM tests. */
final class RegisterListCheck {
    private RegisterListCheck() {}

    /** op0=3 op1=0 CRn=0 CRm=1..7: the ID space, where KVM lists every slot, allocated or not. */
    static boolean isIdSpaceSlot(RegisterId id) {
        return id.group() == RegisterGroup.SYSREG && id.op0() == 3 && id.op1() == 0 && id.crn() == 0 && id.crm() >= 1 && id.crm() <= 7;
    }

    /** Each id: arm64, named (or an ID-space slot), the name parses back, and the table's size is the id's. */
    static List<String> problems(List<RegisterId> ids) {
        List<String> problems = new ArrayList<>();
        for (RegisterId id : ids) {
            String name = id.name();
            if (!id.isArm64()) problems.add(name + ": not an arm64 id");
            if (!RegisterId.parse(name).equals(id)) problems.add(name + ": parses to " + RegisterId.parse(name).name());
            if (!id.hasArchitecturalName() && !isIdSpaceSlot(id)) problems.add(name + ": no architectural name");
            if (Vcpu.registerSize(id.value()) != id.size()) problems.add(name + ": size " + id.size() + " but the kvm layer says " + Vcpu.registerSize(id.value()));
            int expected = switch (id.group()) {
                case CORE -> name.startsWith("0x") ? id.size() : CoreRegister.valueOf(name).size();
                case SYSREG, FIRMWARE, FIRMWARE_BITMAP -> 8;
                case DEMUX -> 4;
                default -> id.size();
            };
            if (expected != id.size()) problems.add(name + ": the id says " + id.size() + " bytes, the table " + expected);
        }
        return problems;
    }

    /** "259 ids (CORE 75, DEMUX 14, ...), 245 named, 14 unallocated ID-space slots". */
    static String summary(List<RegisterId> ids) {
        Map<RegisterGroup, Integer> groups = new EnumMap<>(RegisterGroup.class);
        int named = 0;
        for (RegisterId id : ids) {
            groups.merge(id.group(), 1, Integer::sum);
            if (id.hasArchitecturalName()) named++;
        }
        return ids.size() + " ids " + groups + ", " + named + " with architectural names, " + (ids.size() - named) + " generic";
    }
}
