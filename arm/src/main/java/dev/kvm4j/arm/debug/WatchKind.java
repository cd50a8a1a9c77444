package dev.kvm4j.arm.debug;

/** Which accesses a watchpoint matches: the DBGWCR LSC field (load 0b01, store 0b10, both 0b11). */
public enum WatchKind {
    /** Loads. */
    READ(0b01),
    /** Stores. */
    WRITE(0b10),
    /** Loads and stores. */
    ACCESS(0b11);

    private final int lsc;

    WatchKind(int lsc) { this.lsc = lsc; }

    /** {@return the DBGWCR.LSC value} */
    public int lsc() { return lsc; }
}
