package dev.kvm4j.arm.debug;

import dev.kvm4j.kvm.GuestMemory;

import java.util.List;
import java.util.OptionalLong;

/**
 * Guest physical memory as a debugger sees it: an access outside RAM is an answer (false/empty), never an
 * exception, because every address here comes from a user or from a guest's page table.
 */
public interface PhysicalMemory {
    /**
     * Fills {@code into} from {@code pa}.
     *
     * @param pa the guest physical address
     * @param into where the bytes go
     * @return false (nothing read) when any byte is outside RAM
     */
    boolean read(long pa, byte[] into);

    /**
     * Writes {@code data} at {@code pa}.
     *
     * @param pa the guest physical address
     * @param data the bytes
     * @return false (nothing written) when any byte is outside RAM
     */
    boolean write(long pa, byte[] data);

    /**
     * A little-endian 64-bit value (a page-table descriptor).
     *
     * @param pa the guest physical address
     * @return the value, or empty outside RAM
     */
    default OptionalLong read64(long pa) {
        byte[] b = new byte[8];
        if (!read(pa, b)) return OptionalLong.empty();
        long v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | (b[i] & 0xff);
        return OptionalLong.of(v);
    }

    /**
     * A little-endian 32-bit value, zero-extended (a short-descriptor entry).
     *
     * @param pa the guest physical address
     * @return the value, or empty outside RAM
     */
    default OptionalLong read32(long pa) {
        byte[] b = new byte[4];
        if (!read(pa, b)) return OptionalLong.empty();
        return OptionalLong.of((b[0] & 0xffL) | (b[1] & 0xffL) << 8 | (b[2] & 0xffL) << 16 | (b[3] & 0xffL) << 24);
    }

    /**
     * The machine's RAM regions; an access must lie inside one of them.
     *
     * @param rams the regions
     * @return the memory
     */
    static PhysicalMemory of(GuestMemory... rams) {
        List<GuestMemory> regions = List.of(rams);
        return new PhysicalMemory() {
            @Override
            public boolean read(long pa, byte[] into) {
                for (GuestMemory m : regions) {
                    if (m.contains(pa, into.length)) {
                        byte[] got = m.read(pa, into.length);
                        System.arraycopy(got, 0, into, 0, into.length);
                        return true;
                    }
                }
                return false;
            }

            @Override
            public boolean write(long pa, byte[] data) {
                for (GuestMemory m : regions) {
                    if (m.contains(pa, data.length)) {
                        m.write(pa, data);
                        return true;
                    }
                }
                return false;
            }
        };
    }
}
