package dev.kvm4j.kvm;

import dev.kvm4j.kvm.abi.ExitReason;
import dev.kvm4j.kvm.internal.FileHandle;
import dev.kvm4j.kvm.internal.Libc;
import dev.kvm4j.kvm.internal.Structs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.kvm4j.kvm.abi.KvmIoctls.*;
import static dev.kvm4j.kvm.abi.KvmStructs.*;
import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

/**
 * A vCPU file descriptor and its mmap'ed {@code kvm_run}. One thread runs a vCPU at a time; any thread
 * may {@link #kick()} it. {@link #run()} allocates nothing: exits are views owned by this vCPU.
 * <p>
 * Register access ({@code ONE_REG}, the register list, arch ioctls) works from any thread while no thread is
 * in {@link #run()}; while one is, it is refused at once with {@link VcpuRunningException}, never left
 * waiting on the kernel's vCPU mutex. {@link #close()} may come from any thread: a runner is kicked out,
 * and the fd is released once the last thread using it has left.
 * <p>
 * {@code kvm_run} and the vCPU's buffers live in its VM's arena and are unmapped with the VM's memory, when
 * the VM and all its vCPUs are closed: one shared-arena close per VM instead of one per vCPU (each such close
 * is a handshake with every Java thread, tens of µs; the kernel's vCPU lives until then anyway, held by the
 * VM). A {@code kvm_run} view kept past the vCPU's close reads stale data until then, and fails after.
 */
public final class Vcpu implements AutoCloseable {
    /** KVM_REG_SIZE_* of linux/kvm.h: bits 52..55 of a register id hold log2 of its size in bytes. */
    private static final int KVM_REG_SIZE_SHIFT = 52;
    private static final long KVM_REG_SIZE_MASK = 0x00f0000000000000L;
    private static final long EXIT_REASON = STRUCT_KVM_RUN.byteOffset(groupElement("exit_reason"));
    private static final long IMMEDIATE_EXIT = STRUCT_KVM_RUN.byteOffset(groupElement("immediate_exit"));
    private static final long MAX_REG_BYTES = 256;

    private final FileHandle handle;
    /** The fd, used raw by KVM_RUN: the gate keeps it open while a thread is inside. */
    private final int fd;
    private final int id;
    private final MemorySegment run;
    private final MemorySegment errno;
    private final MemorySegment oneReg;
    private final MemorySegment regValue;
    private final VcpuGate gate;

    private final VcpuExit.Mmio mmio;
    private final VcpuExit.Io io;
    private final VcpuExit.Hlt hlt = new VcpuExit.Hlt();
    private final VcpuExit.SystemEvent systemEvent;
    private final VcpuExit.FailEntry failEntry;
    private final VcpuExit.InternalError internalError;
    private final VcpuExit.Interrupted interrupted = new VcpuExit.Interrupted();
    private final VcpuExit.Shutdown shutdown = new VcpuExit.Shutdown();
    private final VcpuExit.ArmNisv armNisv;
    private final VcpuExit.Debug debug;
    private final VcpuExit.Other other;

    /** Takes ownership of {@code handle}: closed here if the mapping fails. {@code arena} is the VM's. */
    Vcpu(FileHandle handle, int id, int mmapSize, Arena arena) {
        this.handle = handle;
        this.id = id;
        try {
            this.fd = handle.acquire("mmap(kvm_run)");
            try {
                MemorySegment err = Libc.allocateErrno(arena);
                MemorySegment m = Libc.mmap(err, mmapSize, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0);
                if (Libc.mapFailed(m)) throw KvmException.of("mmap(kvm_run)", handle.what(), Libc.errno(err));
                this.run = m.reinterpret(mmapSize, arena, s -> Libc.munmap(s, mmapSize));
            } finally {
                handle.release();
            }
        } catch (RuntimeException e) {
            handle.close();
            throw e;
        }
        this.errno = Libc.allocateErrno(arena);
        this.oneReg = arena.allocate(STRUCT_KVM_ONE_REG);
        this.regValue = arena.allocate(MAX_REG_BYTES, 16);
        this.gate = new VcpuGate(handle.what(), run, IMMEDIATE_EXIT, this::release);
        this.mmio = new VcpuExit.Mmio(run);
        this.io = new VcpuExit.Io(run);
        this.systemEvent = new VcpuExit.SystemEvent(run);
        this.failEntry = new VcpuExit.FailEntry(run);
        this.internalError = new VcpuExit.InternalError(run);
        this.armNisv = new VcpuExit.ArmNisv(run);
        this.debug = new VcpuExit.Debug(run);
        this.other = new VcpuExit.Other(run);
    }

    /** {@return the vCPU id it was created with ({@code KVM_CREATE_VCPU}'s argument)} */
    public int id() { return id; }

    /**
     * Enters the guest until it exits to the VMM ({@code KVM_RUN}). An MMIO or port-I/O read is completed by
     * setting the exit's data before the next call; a write needs nothing.
     *
     * @return why the guest exited: a view over {@code kvm_run}, valid until the next {@code run()}
     * @throws VcpuRunningException if another thread is in {@code run()} on this vCPU
     * @throws ClosedHandleException once this vCPU is closed
     * @throws KvmException if {@code KVM_RUN} fails with an errno other than EINTR
     */
    public VcpuExit run() {
        gate.enterRun();
        try {
            int r = Libc.ioctl(errno, fd, KVM_RUN, MemorySegment.NULL);
            if (r < 0) {
                int e = Libc.errno(errno);
                if (e == Errno.EINTR.number()) {
                    gate.acknowledgeKick();
                    return interrupted;
                }
                throw KvmException.of("KVM_RUN", handle.what(), e);
            }
            return exit(run.get(ValueLayout.JAVA_INT, EXIT_REASON));
        } finally {
            gate.leaveRun();
        }
    }

    private VcpuExit exit(int reason) {
        return switch (reason) {
            case ExitReason.KVM_EXIT_MMIO -> mmio;
            case ExitReason.KVM_EXIT_IO -> io;
            case ExitReason.KVM_EXIT_HLT -> hlt;
            case ExitReason.KVM_EXIT_SYSTEM_EVENT -> systemEvent;
            case ExitReason.KVM_EXIT_FAIL_ENTRY -> failEntry;
            case ExitReason.KVM_EXIT_INTERNAL_ERROR -> internalError;
            case ExitReason.KVM_EXIT_INTR -> interrupted;
            case ExitReason.KVM_EXIT_SHUTDOWN -> shutdown;
            case ExitReason.KVM_EXIT_ARM_NISV -> armNisv;
            case ExitReason.KVM_EXIT_DEBUG -> debug;
            default -> other.with(reason);
        };
    }

    /**
     * Finishes the guest access of the last MMIO or port-I/O exit without running a guest instruction: KVM
     * completes it only at the next KVM_RUN, and one with {@code immediate_exit} set returns EINTR right after.
     * A reset or a snapshot needs this first, or the step lands on whatever PC the vCPU has by then.
     */
    public void completePendingExit() {
        int reason = kvmRun().get(ValueLayout.JAVA_INT, EXIT_REASON);
        if (reason != ExitReason.KVM_EXIT_MMIO && reason != ExitReason.KVM_EXIT_IO) return;
        run.set(ValueLayout.JAVA_BYTE, IMMEDIATE_EXIT, (byte) 1);
        VcpuExit exit = run();
        if (!(exit instanceof VcpuExit.Interrupted)) {
            throw new IllegalStateException("KVM_RUN with immediate_exit set ran the guest: exit " + exit);
        }
    }

    /**
     * Makes a {@link #run()} in another thread return {@link VcpuExit.Interrupted} soon: at once if the
     * vCPU is in the guest, or at the start of its next run if it is not. Safe from any thread, at any time
     * before {@link #close()}: the signal only ever reaches a thread that is inside {@code run()}.
     */
    public void kick() { gate.kick(); }

    /**
     * The size of a register, from its id.
     *
     * @param id a KVM register id
     * @return the size in bytes, from the id's {@code KVM_REG_SIZE} field
     */
    public static int registerSize(long id) {
        return 1 << (int) ((id & KVM_REG_SIZE_MASK) >>> KVM_REG_SIZE_SHIFT);
    }

    /**
     * {@code KVM_GET_ONE_REG} of a register of at most 64 bits, zero-extended.
     *
     * @param id the KVM register id
     * @return the register's value
     * @throws IllegalArgumentException if the register is wider than 64 bits
     * @throws VcpuRunningException if a thread is in {@link #run()}
     * @throws KvmException if the kernel refuses (an id this vCPU lacks: ENOENT)
     */
    public long getOneReg(long id) {
        int size = registerSize(id);
        if (size > 8) throw new IllegalArgumentException(String.format("register 0x%x is %d bytes; use getOneReg(id, segment)", id, size));
        gate.enterCall("KVM_GET_ONE_REG");
        try {
            oneRegCall("KVM_GET_ONE_REG", KVM_GET_ONE_REG, id, regValue);
            return switch (size) {
                case 1 -> Byte.toUnsignedLong(regValue.get(ValueLayout.JAVA_BYTE, 0));
                case 2 -> Short.toUnsignedLong(regValue.get(ValueLayout.JAVA_SHORT, 0));
                case 4 -> Integer.toUnsignedLong(regValue.get(ValueLayout.JAVA_INT, 0));
                default -> regValue.get(ValueLayout.JAVA_LONG, 0);
            };
        } finally {
            gate.leaveCall();
        }
    }

    /**
     * {@code KVM_SET_ONE_REG} of a register of at most 64 bits.
     *
     * @param id the KVM register id
     * @param value the value; bits above the register's size are ignored
     * @throws IllegalArgumentException if the register is wider than 64 bits
     * @throws VcpuRunningException if a thread is in {@link #run()}
     * @throws KvmException if the kernel refuses the id or the value
     */
    public void setOneReg(long id, long value) {
        int size = registerSize(id);
        if (size > 8) throw new IllegalArgumentException(String.format("register 0x%x is %d bytes; use setOneReg(id, segment)", id, size));
        gate.enterCall("KVM_SET_ONE_REG");
        try {
            switch (size) {
                case 1 -> regValue.set(ValueLayout.JAVA_BYTE, 0, (byte) value);
                case 2 -> regValue.set(ValueLayout.JAVA_SHORT, 0, (short) value);
                case 4 -> regValue.set(ValueLayout.JAVA_INT, 0, (int) value);
                default -> regValue.set(ValueLayout.JAVA_LONG, 0, value);
            }
            oneRegCall("KVM_SET_ONE_REG", KVM_SET_ONE_REG, id, regValue);
        } finally {
            gate.leaveCall();
        }
    }

    /**
     * {@code KVM_GET_ONE_REG} of a register of any size (128-bit V registers, SVE).
     *
     * @param id the KVM register id
     * @param value native memory of at least {@link #registerSize} bytes, which receives the value
     * @throws IllegalArgumentException if the buffer is too small or not native
     * @throws VcpuRunningException if a thread is in {@link #run()}
     * @throws KvmException if the kernel refuses
     */
    public void getOneReg(long id, MemorySegment value) {
        checkBuffer(id, value);
        gate.enterCall("KVM_GET_ONE_REG");
        try {
            oneRegCall("KVM_GET_ONE_REG", KVM_GET_ONE_REG, id, value);
        } finally {
            gate.leaveCall();
        }
    }

    /**
     * {@code KVM_SET_ONE_REG} of a register of any size.
     *
     * @param id the KVM register id
     * @param value native memory of at least {@link #registerSize} bytes holding the value
     * @throws IllegalArgumentException if the buffer is too small or not native
     * @throws VcpuRunningException if a thread is in {@link #run()}
     * @throws KvmException if the kernel refuses the id or the value
     */
    public void setOneReg(long id, MemorySegment value) {
        checkBuffer(id, value);
        gate.enterCall("KVM_SET_ONE_REG");
        try {
            oneRegCall("KVM_SET_ONE_REG", KVM_SET_ONE_REG, id, value);
        } finally {
            gate.leaveCall();
        }
    }

    private static void checkBuffer(long id, MemorySegment value) {
        if (value.byteSize() < registerSize(id)) {
            throw new IllegalArgumentException(String.format("register 0x%x needs %d bytes, buffer has %d", id, registerSize(id), value.byteSize()));
        }
        if (!value.isNative()) throw new IllegalArgumentException("register buffers must be native memory");
    }

    /**
     * Inside the gate's call section (the buffers are shared). ONE_REG changes nothing when it fails, so a
     * failure is simply asked again, this time for its errno. The fast call is critical (no safepoint while
     * it lasts): safe only because the gate guarantees that no KVM_RUN holds the kernel's vCPU mutex meanwhile.
     */
    private void oneRegCall(String name, long request, long id, MemorySegment value) {
        oneReg.set(ValueLayout.JAVA_LONG, 0, id);
        oneReg.set(ValueLayout.JAVA_LONG, 8, value.address());
        if (Libc.ioctlShort(fd, request, oneReg) < 0) handle.ioctl(name, request, oneReg, errno);
    }

    /**
     * {@code KVM_GET_REG_LIST}: every register id this vCPU has, in the kernel's order. Asks for the count
     * first (the kernel answers E2BIG with it), then for the ids.
     *
     * @return the ids
     * @throws VcpuRunningException if a thread is in {@link #run()}
     */
    public long[] registerList() {
        gate.enterCall("KVM_GET_REG_LIST");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment probe = a.allocate(STRUCT_KVM_REG_LIST);
            try {
                handle.ioctl("KVM_GET_REG_LIST", KVM_GET_REG_LIST, probe);
                return new long[0];
            } catch (KvmException.TooBig expected) {
                // n now holds the count
            }
            long n = Structs.get(STRUCT_KVM_REG_LIST, probe, "n");
            MemorySegment list = a.allocate(STRUCT_KVM_REG_LIST.byteSize() + 8 * n, 8);
            list.set(ValueLayout.JAVA_LONG, 0, n);
            handle.ioctl("KVM_GET_REG_LIST", KVM_GET_REG_LIST, list);
            long got = list.get(ValueLayout.JAVA_LONG, 0);
            return list.asSlice(STRUCT_KVM_REG_LIST.byteSize(), 8 * got).toArray(ValueLayout.JAVA_LONG);
        } finally {
            gate.leaveCall();
        }
    }

    /**
     * An arch-specific vCPU ioctl with a pointer argument (e.g. {@code KVM_ARM_VCPU_INIT}).
     *
     * @param name the ioctl's kernel name, for messages
     * @param request the ioctl number
     * @param arg the argument struct, in native memory
     * @return the ioctl's non-negative result
     * @throws VcpuRunningException if a thread is in {@link #run()}
     * @throws KvmException with the errno if the ioctl fails
     */
    public int ioctl(String name, long request, MemorySegment arg) {
        gate.enterCall(name);
        try {
            return handle.ioctl(name, request, arg);
        } finally {
            gate.leaveCall();
        }
    }

    /**
     * An arch-specific vCPU ioctl with an integer argument.
     *
     * @param name the ioctl's kernel name, for messages
     * @param request the ioctl number
     * @param arg the argument
     * @return the ioctl's non-negative result
     * @throws VcpuRunningException if a thread is in {@link #run()}
     * @throws KvmException with the errno if the ioctl fails
     */
    public int ioctl(String name, long request, long arg) {
        gate.enterCall(name);
        try {
            return handle.ioctl(name, request, arg);
        } finally {
            gate.leaveCall();
        }
    }

    /**
     * The raw {@code kvm_run} area, for arch layers that read fields kvm4j does not decode.
     *
     * @return the vCPU's shared {@code kvm_run} mapping
     * @throws ClosedHandleException once this vCPU is closed
     */
    public MemorySegment kvmRun() {
        if (gate.isClosed()) throw new ClosedHandleException(handle.what(), "kvm_run access");
        return run;
    }

    /** {@return true once {@link #close()} was called} */
    public boolean isClosed() { return gate.isClosed(); }

    /**
     * Closes the vCPU; any thread, any time, idempotent. A thread in {@link #run()} is kicked out (its run
     * returns {@link VcpuExit.Interrupted}); the mapping and the fd go when the last thread inside leaves.
     */
    @Override
    public void close() { gate.close(); }

    /** The gate's release: nobody is inside and nobody can enter. kvm_run goes with the VM's arena. */
    private void release() {
        handle.close();
    }
}
