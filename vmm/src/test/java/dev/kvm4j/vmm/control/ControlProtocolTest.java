package dev.kvm4j.vmm.control;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The control socket's protocol against a fake machine, directly and through a real Unix socket. */
class ControlProtocolTest {
    @TempDir
    Path dir;

    /** Records calls; a snapshot into "fail" throws, as a full disk would. */
    static final class FakeMachine implements Controllable {
        final List<String> calls = new ArrayList<>();
        String status = "running";

        @Override public String pause() { calls.add("pause"); status = "paused"; return "paused"; }
        @Override public String resume() { calls.add("resume"); status = "running"; return "running"; }
        @Override public String snapshot(Path file) {
            calls.add("snapshot " + file);
            if (file.toString().equals("fail")) throw new IllegalStateException("snapshot fail: no space left on device");
            return file + " 1234 bytes";
        }
        @Override public String quit() { calls.add("quit"); status = "ended"; return "stopping"; }
        @Override public String status() { return status; }
    }

    @Test
    void eachCommandIsAnsweredWithOneOkLine() {
        FakeMachine m = new FakeMachine();
        assertEquals("ok paused", ControlProtocol.answer("pause", m));
        assertEquals("ok paused", ControlProtocol.answer("status", m));
        assertEquals("ok /tmp/a.snap 1234 bytes", ControlProtocol.answer("snapshot /tmp/a.snap", m));
        assertEquals("ok running", ControlProtocol.answer("  RESUME \r", m));
        assertEquals("ok stopping", ControlProtocol.answer("quit", m));
        assertEquals(List.of("pause", "snapshot /tmp/a.snap", "resume", "quit"), m.calls);
    }

    @Test
    void badCommandsAndFailuresAreErrorLinesAndCallNothing() {
        FakeMachine m = new FakeMachine();
        assertTrue(ControlProtocol.answer("reboot now", m).startsWith("error unknown command 'reboot'; commands: pause"));
        assertTrue(ControlProtocol.answer("", m).startsWith("error empty command"));
        assertEquals("error snapshot needs a file: snapshot FILE", ControlProtocol.answer("snapshot", m));
        assertEquals("error pause takes no argument", ControlProtocol.answer("pause 3", m));
        assertEquals("error unknown command 'x?y?'; " + ControlProtocol.HELP, ControlProtocol.answer("x\u0001y\u001b", m));
        assertEquals("error snapshot fail: no space left on device", ControlProtocol.answer("snapshot fail", m));
        assertEquals("error not a file name: a\u0000b".replace("\u0000", "?"), ControlProtocol.answer("snapshot a\u0000b", m));
        assertEquals(List.of("snapshot fail"), m.calls);
    }

    @Test
    void overAUnixSocketEachLineGetsItsAnswerAndTheSocketFileGoesAtClose() throws IOException {
        Path sock = dir.resolve("vm.sock");
        FakeMachine m = new FakeMachine();
        try (ControlServer server = ControlServer.open(sock, m)) {
            assertTrue(Files.exists(sock));
            assertEquals("ok paused", ControlServer.ask(sock, "pause"));
            assertTrue(ControlServer.ask(sock, "bogus").startsWith("error unknown command"));
            assertEquals("ok running", ControlServer.ask(sock, "resume"));
            assertEquals("error line longer than 4096 bytes", ControlServer.ask(sock, "x".repeat(5000)));
            assertEquals("ok running", ControlServer.ask(sock, "status"), "the server survives a bad client");
        }
        assertFalse(Files.exists(sock), "the socket file is removed at close");
    }

    @Test
    void anExistingSocketPathIsRefusedNotReplaced() throws IOException {
        Path sock = Files.createFile(dir.resolve("taken.sock"));
        var e = assertThrows(dev.kvm4j.vmm.BadInputException.class, () -> ControlServer.open(sock, new FakeMachine()));
        assertEquals("--control " + sock + " already exists: remove it, or name another socket", e.getMessage());
        assertTrue(Files.exists(sock));
    }
}
