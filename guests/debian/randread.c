/*
 * randread DEVICE SECONDS — 4 KiB random reads with O_DIRECT, one at a time (queue depth 1), for SECONDS;
 * prints "KVM4J-RANDREAD reads=N seconds=S". kvm4j's disk benchmark runs it in the Debian root guest
 * (guests/rootfs-build puts it at /usr/local/sbin/randread) under kvm4j and under QEMU alike.
 * Offsets come from a fixed-seed xorshift, so both VMMs read the same sequence.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: randread DEVICE SECONDS\n"); return 2; }
    int fd = open(argv[1], O_RDONLY | O_DIRECT);
    if (fd < 0) { perror(argv[1]); return 1; }
    uint64_t size;
    if (ioctl(fd, BLKGETSIZE64, &size) != 0) { perror("BLKGETSIZE64"); return 1; }
    uint64_t blocks = size / 4096;
    if (blocks == 0) { fprintf(stderr, "%s: smaller than 4 KiB\n", argv[1]); return 1; }
    void *buf;
    if (posix_memalign(&buf, 4096, 4096) != 0) return 1;
    double seconds = atof(argv[2]), start = now(), end = start + seconds, t = start;
    uint64_t x = 0x9e3779b97f4a7c15ull, reads = 0;
    while (t < end) {
        for (int i = 0; i < 16; i++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            if (pread(fd, buf, 4096, (off_t) (x % blocks) * 4096) != 4096) { perror("pread"); return 1; }
            reads++;
        }
        t = now();
    }
    printf("KVM4J-RANDREAD reads=%llu seconds=%.6f\n", (unsigned long long) reads, t - start);
    return 0;
}
