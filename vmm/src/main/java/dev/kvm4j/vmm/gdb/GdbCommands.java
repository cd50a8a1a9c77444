package dev.kvm4j.vmm.gdb;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The commands of gdb's remote protocol that an all-stop stub for a KVM machine answers, against a
 * {@link DebugTarget}. Threads are vCPUs (gdb thread id = vCPU id + 1). Anything malformed gets an {@code E}
 * reply, anything unknown the empty reply, and nothing a packet contains can throw out of {@link #handle}.
 * One instance per connection, used by its session thread only.
 */
final class GdbCommands {
    static final int EINVAL = TargetException.EINVAL, EFAULT = TargetException.EFAULT, ESRCH = 3, ENOSPC = TargetException.ENOSPC, EIO = TargetException.EIO;
    /** The largest memory read answered at once: its hex must fit a packet (gdb asks again for the rest). */
    static final int MAX_MEMORY_READ = (PacketReader.MAX_PAYLOAD - 16) / 2;

    private final DebugTarget target;
    private final TargetDescription description;
    private final byte[] xml;
    /** The thread for g/G/p/P/m/M (Hg) and for c/s (Hc); 0 = any. */
    private int generalThread, continueThread;
    private boolean swbreak, hwbreak;
    private boolean noAckRequested;

    GdbCommands(DebugTarget target) {
        this.target = target;
        this.description = target.description();
        this.xml = description.xml().getBytes(StandardCharsets.UTF_8);
    }

    /** True once gdb asked for QStartNoAckMode (the session stops acking after that reply). */
    boolean noAckRequested() { return noAckRequested; }

    Reply handle(String p, DebugTarget.StopListener onStop) {
        try {
            return dispatch(p, onStop);
        } catch (TargetException e) {
            return Reply.error(e.errno());
        } catch (RuntimeException e) {
            // a bug of ours, not gdb's: gdb gets an error it can show, the log gets what it was
            GdbSession.LOG.log(System.Logger.Level.WARNING, "gdb stub: internal error on packet '" + GdbSession.excerpt(p) + "' (answered E05)", e);
            return Reply.error(EIO);
        }
    }

    private Reply dispatch(String p, DebugTarget.StopListener onStop) throws TargetException {
        if (p.isEmpty()) return Reply.EMPTY;
        return switch (p.charAt(0)) {
            case '?' -> new Reply.Text(stopReply(target.lastStop()));
            case 'g' -> p.length() == 1 ? readAll() : malformed();
            case 'G' -> writeAll(p.substring(1));
            case 'p' -> readOne(p.substring(1));
            case 'P' -> writeOne(p.substring(1));
            case 'm' -> readMemory(p.substring(1));
            case 'M' -> writeMemoryHex(p.substring(1));
            case 'X' -> writeMemoryBinary(p);
            case 'c' -> resume(p.substring(1), false, onStop);
            case 's' -> resume(p.substring(1), true, onStop);
            case 'C', 'S' -> resume(afterSignal(p.substring(1)), p.charAt(0) == 'S', onStop);
            case 'H' -> selectThread(p.substring(1));
            case 'T' -> threadAlive(p.substring(1));
            case 'Z', 'z' -> breakpoint(p);
            case 'D' -> { target.detach(); yield new Reply.Detached("OK"); }
            case 'k' -> { target.kill(); yield new Reply.Killed(); }
            case 'q' -> query(p);
            case 'Q' -> p.equals("QStartNoAckMode") ? noAck() : Reply.EMPTY;
            case 'v' -> vPacket(p, onStop);
            default -> Reply.EMPTY;
        };
    }

    // ---- registers ----------------------------------------------------------------------------------------

    private Reply readAll() {
        int vcpu = vcpu(generalThread);
        StringBuilder s = new StringBuilder(2 * description.gPacketBytes());
        for (TargetDescription.Register r : description.registers()) {
            try {
                s.append(Hex.bytes(sized(target.readRegister(vcpu, r.regnum()), r)));
            } catch (TargetException e) {
                s.append("xx".repeat(r.bytes())); // gdb shows it as <unavailable>
            }
        }
        return new Reply.Text(s.toString());
    }

    private Reply writeAll(String hex) throws TargetException {
        byte[] all = Hex.parseBytes(hex);
        if (all == null || all.length != description.gPacketBytes()) return malformed();
        int vcpu = vcpu(generalThread), at = 0;
        for (TargetDescription.Register r : description.registers()) {
            target.writeRegister(vcpu, r.regnum(), java.util.Arrays.copyOfRange(all, at, at + r.bytes()));
            at += r.bytes();
        }
        return Reply.OK;
    }

    private Reply readOne(String n) throws TargetException {
        Long regnum = Hex.parseNumber(n);
        if (regnum == null) return malformed();
        var r = description.register((int) Math.min(regnum, Integer.MAX_VALUE));
        if (r.isEmpty()) return Reply.error(EINVAL);
        return new Reply.Text(Hex.bytes(sized(target.readRegister(vcpu(generalThread), r.get().regnum()), r.get())));
    }

    private Reply writeOne(String args) throws TargetException {
        int eq = args.indexOf('=');
        if (eq < 0) return malformed();
        Long regnum = Hex.parseNumber(args.substring(0, eq));
        byte[] value = Hex.parseBytes(args.substring(eq + 1));
        if (regnum == null || value == null) return malformed();
        var r = description.register((int) Math.min(regnum, Integer.MAX_VALUE));
        if (r.isEmpty() || value.length != r.get().bytes()) return Reply.error(EINVAL);
        target.writeRegister(vcpu(generalThread), r.get().regnum(), value);
        return Reply.OK;
    }

    private static byte[] sized(byte[] value, TargetDescription.Register r) { return java.util.Arrays.copyOf(value, r.bytes()); }

    // ---- memory --------------------------------------------------------------------------------------------

    private Reply readMemory(String args) throws TargetException {
        long[] al = addressLength(args);
        if (al == null) return malformed();
        int length = (int) Math.min(al[1], MAX_MEMORY_READ);
        if (length == 0) return new Reply.Text("");
        return new Reply.Text(Hex.bytes(target.readMemory(vcpu(generalThread), al[0], length)));
    }

    private Reply writeMemoryHex(String args) throws TargetException {
        int colon = args.indexOf(':');
        if (colon < 0) return malformed();
        long[] al = addressLength(args.substring(0, colon));
        byte[] data = Hex.parseBytes(args.substring(colon + 1));
        if (al == null || data == null || data.length != al[1]) return malformed();
        if (data.length > 0) target.writeMemory(vcpu(generalThread), al[0], data);
        return Reply.OK;
    }

    /** {@code X addr,len:binary}; the binary part was unescaped by the reader, so its length must be exactly len. */
    private Reply writeMemoryBinary(String p) throws TargetException {
        int colon = p.indexOf(':');
        if (colon < 0) return malformed();
        long[] al = addressLength(p.substring(1, colon));
        byte[] data = p.substring(colon + 1).getBytes(StandardCharsets.ISO_8859_1);
        if (al == null || data.length != al[1]) return malformed();
        if (data.length > 0) target.writeMemory(vcpu(generalThread), al[0], data);
        return Reply.OK;
    }

    /** "addr,length" with a length that fits a packet, or null. */
    private static long[] addressLength(String s) {
        int comma = s.indexOf(',');
        if (comma < 0) return null;
        Long a = Hex.parseNumber(s.substring(0, comma)), l = Hex.parseNumber(s.substring(comma + 1));
        if (a == null || l == null || l < 0 || l > PacketReader.MAX_PAYLOAD) return null;
        return new long[]{a, l};
    }

    // ---- run control ---------------------------------------------------------------------------------------

    private Reply resume(String addr, boolean step, DebugTarget.StopListener onStop) throws TargetException {
        if (addr == null) return malformed();
        int thread = continueThread > 0 ? continueThread : generalThread;
        if (!addr.isEmpty()) {
            Long pc = Hex.parseNumber(addr);
            if (pc == null) return malformed();
            var r = description.register(description.pc()).orElseThrow();
            target.writeRegister(vcpu(thread), r.regnum(), Hex.littleEndian(pc, r.bytes()));
        }
        target.resume(step ? vcpu(thread) : -1, onStop);
        return new Reply.Resumed();
    }

    /** "sig;addr" of C/S: the signal means nothing to a virtual machine and is dropped. */
    private static String afterSignal(String s) {
        int semi = s.indexOf(';');
        String sig = semi < 0 ? s : s.substring(0, semi);
        if (Hex.parseNumber(sig) == null) return null;
        return semi < 0 ? "" : s.substring(semi + 1);
    }

    /** vCont;action[:thread]... — a step action wins (that thread steps, others stay); else everything continues. */
    private Reply vCont(String actions, DebugTarget.StopListener onStop) throws TargetException {
        int step = -1;
        boolean any = false;
        for (String a : actions.split(";")) {
            if (a.isEmpty()) continue;
            int colon = a.indexOf(':');
            String act = colon < 0 ? a : a.substring(0, colon);
            int thread = 0;
            if (colon >= 0) {
                Integer t = threadId(a.substring(colon + 1));
                if (t == null || (t > 0 && !exists(t))) return Reply.error(ESRCH);
                thread = t;
            }
            char k = act.isEmpty() ? '?' : act.charAt(0);
            if ((k == 'C' || k == 'S') && Hex.parseNumber(act.substring(1)) == null) return malformed();
            if (act.length() > 1 && k != 'C' && k != 'S') return malformed();
            switch (k) {
                case 's', 'S' -> {
                    if (step < 0) step = vcpu(thread > 0 ? thread : generalThread);
                }
                case 'c', 'C' -> { }
                case 't' -> { continue; } // all-stop: everything not resumed stays stopped anyway
                default -> { return malformed(); }
            }
            any = true;
        }
        if (!any) return malformed();
        target.resume(step, onStop);
        return new Reply.Resumed();
    }

    /** The T packet for {@code e}. */
    String stopReply(StopEvent e) {
        return switch (e) {
            case StopEvent.Exited x -> String.format("W%02x", x.status() & 0xff);
            case StopEvent.Stopped s -> {
                StringBuilder b = new StringBuilder(String.format("T%02x", s.signal() & 0xff));
                switch (s.kind()) {
                    case WATCH -> b.append("watch:").append(Hex.number(s.address())).append(';');
                    case READ_WATCH -> b.append("rwatch:").append(Hex.number(s.address())).append(';');
                    case ACCESS_WATCH -> b.append("awatch:").append(Hex.number(s.address())).append(';');
                    case SOFTWARE_BREAK -> { if (swbreak) b.append("swbreak:;"); }
                    case HARDWARE_BREAK -> { if (hwbreak) b.append("hwbreak:;"); }
                    case OTHER -> { }
                }
                b.append("thread:").append(Hex.number(s.vcpu() + 1L)).append(';');
                generalThread = s.vcpu() + 1; // gdb expects the reporting thread to be current
                yield b.toString();
            }
        };
    }

    // ---- threads -------------------------------------------------------------------------------------------

    private Reply selectThread(String s) {
        if (s.length() < 2 || (s.charAt(0) != 'g' && s.charAt(0) != 'c')) return malformed();
        Integer t = threadId(s.substring(1));
        if (t == null) return malformed();
        if (t > 0 && !exists(t)) return Reply.error(ESRCH);
        if (s.charAt(0) == 'g') generalThread = Math.max(t, 0);
        else continueThread = Math.max(t, 0);
        return Reply.OK;
    }

    private Reply threadAlive(String s) {
        Integer t = threadId(s);
        if (t == null) return malformed();
        return t > 0 && exists(t) ? Reply.OK : Reply.error(ESRCH);
    }

    /** A thread id: -1 (all), 0 (any) or a positive hex number; the multiprocess form "p1.2" is accepted. */
    private static Integer threadId(String s) {
        if (s.startsWith("p")) {
            int dot = s.indexOf('.');
            if (dot < 0) return null;
            s = s.substring(dot + 1);
        }
        if (s.equals("-1")) return -1;
        Long v = Hex.parseNumber(s);
        return v == null || v > Integer.MAX_VALUE ? null : v.intValue();
    }

    private boolean exists(int thread) { return target.vcpus().contains(thread - 1); }

    /** The vCPU for a thread selection: the thread's, or the first vCPU for "any"/"all". */
    private int vcpu(int thread) {
        List<Integer> all = target.vcpus();
        return thread > 0 && all.contains(thread - 1) ? thread - 1 : all.getFirst();
    }

    // ---- breakpoints ---------------------------------------------------------------------------------------

    private Reply breakpoint(String p) throws TargetException {
        String[] f = p.substring(1).split(";", 2)[0].split(",");
        if (f.length != 3) return malformed();
        Long type = Hex.parseNumber(f[0]), addr = Hex.parseNumber(f[1]), kind = Hex.parseNumber(f[2]);
        if (type == null || addr == null || kind == null || kind > Integer.MAX_VALUE) return malformed();
        if (type > 4) return Reply.EMPTY;
        BreakpointType t = BreakpointType.of(type.intValue());
        BreakpointResult r = p.charAt(0) == 'Z' ? target.insertBreakpoint(t, addr, kind.intValue())
                : target.removeBreakpoint(t, addr, kind.intValue());
        return switch (r) {
            case OK -> Reply.OK;
            case UNSUPPORTED -> Reply.EMPTY;
            case NO_ROOM -> Reply.error(ENOSPC);
        };
    }

    // ---- queries -------------------------------------------------------------------------------------------

    private Reply query(String p) {
        if (p.startsWith("qSupported")) return supported(p);
        if (p.startsWith("qXfer:features:read:")) return features(p.substring("qXfer:features:read:".length()));
        if (p.startsWith("qXfer:")) return Reply.EMPTY;
        if (p.equals("qfThreadInfo")) {
            StringBuilder b = new StringBuilder("m");
            for (int v : target.vcpus()) b.append(b.length() > 1 ? "," : "").append(Hex.number(v + 1L));
            return new Reply.Text(b.toString());
        }
        if (p.equals("qsThreadInfo")) return new Reply.Text("l");
        if (p.equals("qC")) return new Reply.Text("QC" + Hex.number(vcpu(generalThread) + 1L));
        if (p.startsWith("qAttached")) return new Reply.Text("1");
        if (p.startsWith("qThreadExtraInfo,")) {
            Integer t = threadId(p.substring("qThreadExtraInfo,".length()));
            if (t == null || t <= 0 || !exists(t)) return Reply.error(ESRCH);
            return new Reply.Text(Hex.bytes(("vCPU " + (t - 1)).getBytes(StandardCharsets.US_ASCII)));
        }
        if (p.startsWith("qSymbol")) return Reply.OK;
        return Reply.EMPTY;
    }

    private Reply supported(String p) {
        int colon = p.indexOf(':');
        if (colon >= 0) {
            for (String f : p.substring(colon + 1).split(";")) {
                if (f.equals("swbreak+")) swbreak = true;
                if (f.equals("hwbreak+")) hwbreak = true;
            }
        }
        return new Reply.Text("PacketSize=" + Hex.number(PacketReader.MAX_PAYLOAD)
                + ";qXfer:features:read+;swbreak+;hwbreak+;vContSupported+;QStartNoAckMode+");
    }

    /** "annex:offset,length": a window of target.xml, {@code m} if more follows, {@code l} for the last part. */
    private Reply features(String args) {
        int colon = args.indexOf(':');
        if (colon < 0) return malformed();
        if (!args.substring(0, colon).equals("target.xml")) return Reply.error(0);
        long[] ol = addressLength(args.substring(colon + 1));
        if (ol == null) return malformed();
        if (ol[0] >= xml.length) return new Reply.Text("l");
        int from = (int) ol[0];
        // Escaping can double a byte: keep the chunk within half a packet.
        int n = (int) Math.min(Math.min(ol[1], xml.length - from), PacketReader.MAX_PAYLOAD / 2 - 8);
        ByteArrayOutputStream chunk = new ByteArrayOutputStream();
        chunk.write(xml, from, n);
        return new Reply.Binary(from + n < xml.length ? "m" : "l", chunk.toByteArray());
    }

    private Reply noAck() {
        noAckRequested = true;
        return Reply.OK;
    }

    private Reply vPacket(String p, DebugTarget.StopListener onStop) throws TargetException {
        if (p.equals("vCont?")) return new Reply.Text("vCont;c;C;s;S");
        if (p.startsWith("vCont;")) return vCont(p.substring("vCont;".length()), onStop);
        if (p.startsWith("vKill")) {
            target.kill();
            return new Reply.Detached("OK");
        }
        return Reply.EMPTY; // vMustReplyEmpty and everything else we do not do
    }

    private static Reply malformed() { return Reply.error(EINVAL); }
}
