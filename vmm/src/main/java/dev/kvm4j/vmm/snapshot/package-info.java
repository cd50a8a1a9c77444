/**
 * Snapshot files of a paused machine: {@link dev.kvm4j.vmm.snapshot.SnapshotWriter} writes one atomically
 * (temporary file, fsync, rename), with a CRC32C per section and RAM stored sparsely;
 * {@link dev.kvm4j.vmm.snapshot.SnapshotFile} reads one back as untrusted input, checking every length and
 * checksum before anything is built. {@link dev.kvm4j.vmm.snapshot.SnapshotException} names the file and the
 * section that is wrong.
 */
package dev.kvm4j.vmm.snapshot;
