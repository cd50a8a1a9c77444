/**
 * Loading a guest into RAM: kernels (arm64 {@code Image}, plain, gzip or EFI zboot, and AArch32 {@code zImage}),
 * the initrd and the device tree, each file read once straight to its place in guest RAM.
 * {@link dev.kvm4j.vmm.loader.BootLoader} opens and checks every file before any VM exists, so a wrong magic, a
 * truncated image or a file too big for RAM is a {@link dev.kvm4j.vmm.loader.LoadException} naming the file and
 * the limit; sizes and offsets read from files are checked without overflow.
 */
package dev.kvm4j.vmm.loader;
