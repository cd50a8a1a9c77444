package dev.kvm4j.vmm.control;

import java.nio.file.Path;

/** What the control socket can ask of a machine; each call returns the text after "ok ". */
public interface Controllable {
    /**
     * Stops the machine's vCPUs and keeps them stopped until {@link #resume}.
     *
     * @return what happened, for the answer line
     * @throws Exception when the machine cannot be paused (for example it has ended)
     */
    String pause() throws Exception;

    /**
     * Lets paused vCPUs run again.
     *
     * @return what happened, for the answer line
     * @throws Exception when the machine cannot be resumed (for example it has ended)
     */
    String resume() throws Exception;

    /**
     * Writes a snapshot of the machine to {@code file}.
     *
     * @param file where the snapshot goes
     * @return what was written, for the answer line
     * @throws Exception when the snapshot cannot be taken or written
     */
    String snapshot(Path file) throws Exception;

    /**
     * Ends the machine (asks it to stop; the answer may come before it has).
     *
     * @return what happened, for the answer line
     * @throws Exception when the stop cannot be requested
     */
    String quit() throws Exception;

    /**
     * The machine's state in one word.
     *
     * @return the machine's phase, lower case (running, paused, ended, ...)
     */
    String status();
}
