package dev.kvm4j.arm.regs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The system-register name table, read once from {@code sysregs.txt} beside this class: one line per
 * register, {@code NAME op0 op1 CRn CRm op2}, keyed by the id KVM uses (which for the virtual timer is not
 * the architectural encoding; the file says why).
 */
public final class SystemRegisters {
    private static final String RESOURCE = "sysregs.txt";
    private static final List<RegisterId> ALL;
    private static final Map<Long, String> NAMES = new HashMap<>();
    private static final Map<String, RegisterId> IDS = new HashMap<>();

    static {
        List<RegisterId> all = new ArrayList<>();
        try (InputStream in = SystemRegisters.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException(RESOURCE + " is missing from the dev.kvm4j.arm module");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                String text = line.strip();
                if (text.isEmpty() || text.startsWith("#")) continue;
                String[] f = text.split("\\s+");
                if (f.length != 6) throw new IllegalStateException(RESOURCE + ":" + lineNo + ": expected NAME op0 op1 CRn CRm op2: " + line);
                RegisterId id = RegisterId.sysreg(Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
                        Integer.parseInt(f[4]), Integer.parseInt(f[5]));
                String name = f[0];
                if (NAMES.putIfAbsent(id.value(), name) != null) throw new IllegalStateException(RESOURCE + ":" + lineNo + ": " + name + " repeats the encoding of " + NAMES.get(id.value()));
                if (IDS.putIfAbsent(name, id) != null) throw new IllegalStateException(RESOURCE + ":" + lineNo + ": " + name + " appears twice");
                all.add(id);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        ALL = Collections.unmodifiableList(all);
    }

    private SystemRegisters() {}

    /** {@return every id in the table, in file order} */
    public static List<RegisterId> all() { return ALL; }

    /**
     * The table's name for a 64-bit system register id.
     *
     * @param id the register
     * @return its name, or empty if the table lacks it
     */
    public static Optional<String> name(RegisterId id) { return Optional.ofNullable(NAMES.get(id.value())); }

    /**
     * The id of a table name (exact, upper case).
     *
     * @param name e.g. {@code SCTLR_EL1}
     * @return its id, or empty if the table lacks it
     */
    public static Optional<RegisterId> id(String name) { return Optional.ofNullable(IDS.get(name)); }
}
