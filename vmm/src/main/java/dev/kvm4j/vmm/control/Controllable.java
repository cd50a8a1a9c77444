package dev.kvm4j.vmm.control;

import java.nio.file.Path;

/** What the control socket can ask of a machine; each call returns the text after "ok ". */
public interface Controllable {
    String pause() throws Exception;

    String resume() throws Exception;

    String snapshot(Path file) throws Exception;

    /** Ends the machine. */
    String quit() throws Exception;

    /** One word: running, paused, ended. */
    String status();
}
