/**
 * Host system calls a VMM needs beside the KVM ioctls, typed like the rest of the kvm module: today
 * {@link dev.kvm4j.kvm.sys.FileSpace}, {@code fallocate(2)} for a disk image's discard and write-zeroes, and
 * {@link dev.kvm4j.kvm.sys.VectoredIo}, {@code preadv(2)}/{@code pwritev(2)} for a request's scattered buffers. They live
 * here because this module is the only one granted native access.
 */
package dev.kvm4j.kvm.sys;
