package dev.kvm4j.vmm.gdb;

/** A Z/z answer: {@code OK}, the empty reply (not supported: gdb falls back), or no room left ({@code E28}). */
public enum BreakpointResult { OK, UNSUPPORTED, NO_ROOM }
