package dev.kvm4j.vmm.gdb;

import java.util.List;

/** A DebugTarget that forwards everything, for tests that change one answer. */
class DelegatingTarget implements DebugTarget {
    private final DebugTarget d;

    DelegatingTarget(DebugTarget d) { this.d = d; }

    @Override public TargetDescription description() { return d.description(); }
    @Override public List<Integer> vcpus() { return d.vcpus(); }
    @Override public byte[] readRegister(int vcpu, int regno) throws TargetException { return d.readRegister(vcpu, regno); }
    @Override public void writeRegister(int vcpu, int regno, byte[] value) throws TargetException { d.writeRegister(vcpu, regno, value); }
    @Override public byte[] readMemory(int vcpu, long address, int length) throws TargetException { return d.readMemory(vcpu, address, length); }
    @Override public void writeMemory(int vcpu, long address, byte[] data) throws TargetException { d.writeMemory(vcpu, address, data); }
    @Override public BreakpointResult insertBreakpoint(BreakpointType t, long a, int k) throws TargetException { return d.insertBreakpoint(t, a, k); }
    @Override public BreakpointResult removeBreakpoint(BreakpointType t, long a, int k) throws TargetException { return d.removeBreakpoint(t, a, k); }
    @Override public void resume(int stepVcpu, StopListener listener) throws TargetException { d.resume(stepVcpu, listener); }
    @Override public void interrupt() { d.interrupt(); }
    @Override public StopEvent lastStop() { return d.lastStop(); }
    @Override public void detach() { d.detach(); }
    @Override public void kill() { d.kill(); }
}
