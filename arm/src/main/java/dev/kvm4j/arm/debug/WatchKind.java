package dev.kvm4j.arm.debug;

/** Which accesses a watchpoint matches: the DBGWCR LSC field (load 0b01, store 0b10, both 0b11). */
public enum WatchKind {
    READ(0b01), WRITE(0b10), ACCESS(0b11);

    private final int lsc;

    WatchKind(int lsc) { this.lsc = lsc; }

    public int lsc() { return lsc; }
}
