/*
 * The C reference for kvm4j's benchmarks: the same ioctls on the same guest, with nothing in between.
 *   kvmbench exit N   N MMIO-write exits of an arm64 guest looping on "str x1,[x2]; b 1b"
 *   kvmbench sync N   N rounds of get-all + put-all over every id in KVM_GET_REG_LIST
 * Prints "<name> <nanoseconds per operation>".
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define RAM_BASE 0x40000000ULL
#define RAM_SIZE 0x200000ULL
#define MMIO_ADDR 0x10000000ULL
#define CORE_REG(off) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | ((off) / 4))

static int check(int r, const char *what) {
    if (r < 0) { perror(what); exit(1); }
    return r;
}

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void set_reg(int vcpu, uint64_t id, uint64_t v) {
    struct kvm_one_reg r = { .id = id, .addr = (uint64_t)&v };
    check(ioctl(vcpu, KVM_SET_ONE_REG, &r), "KVM_SET_ONE_REG");
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s exit|sync N\n", argv[0]); return 2; }
    long n = atol(argv[2]);
    int kvm = check(open("/dev/kvm", O_RDWR | O_CLOEXEC), "/dev/kvm");
    int vm = check(ioctl(kvm, KVM_CREATE_VM, 0), "KVM_CREATE_VM");
    uint32_t *ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    ram[0] = 0xf9000041; /* str x1, [x2] */
    ram[1] = 0x17ffffff; /* b 1b */
    struct kvm_userspace_memory_region region = { .slot = 0, .guest_phys_addr = RAM_BASE, .memory_size = RAM_SIZE, .userspace_addr = (uint64_t)ram };
    check(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region), "KVM_SET_USER_MEMORY_REGION");
    int vcpu = check(ioctl(vm, KVM_CREATE_VCPU, 0), "KVM_CREATE_VCPU");
    struct kvm_vcpu_init init;
    check(ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init), "KVM_ARM_PREFERRED_TARGET");
    memset(init.features, 0, sizeof init.features);
    check(ioctl(vcpu, KVM_ARM_VCPU_INIT, &init), "KVM_ARM_VCPU_INIT");
    int mmap_size = check(ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), "KVM_GET_VCPU_MMAP_SIZE");
    struct kvm_run *run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    set_reg(vcpu, CORE_REG(offsetof(struct kvm_regs, regs.pc)), RAM_BASE);
    set_reg(vcpu, CORE_REG(offsetof(struct kvm_regs, regs.regs[2])), MMIO_ADDR);

    if (strcmp(argv[1], "exit") == 0) {
        for (long i = 0; i < n / 10 + 1; i++) check(ioctl(vcpu, KVM_RUN, 0), "KVM_RUN"); /* warm up */
        double t0 = now_ns();
        for (long i = 0; i < n; i++) {
            check(ioctl(vcpu, KVM_RUN, 0), "KVM_RUN");
            if (run->exit_reason != KVM_EXIT_MMIO) { fprintf(stderr, "unexpected exit %u\n", run->exit_reason); return 1; }
        }
        printf("exit %.1f\n", (now_ns() - t0) / n);
    } else {
        struct kvm_reg_list probe = { .n = 0 };
        ioctl(vcpu, KVM_GET_REG_LIST, &probe); /* E2BIG, with the count */
        struct kvm_reg_list *list = malloc(sizeof *list + probe.n * sizeof(uint64_t));
        list->n = probe.n;
        check(ioctl(vcpu, KVM_GET_REG_LIST, list), "KVM_GET_REG_LIST");
        uint8_t *values = aligned_alloc(16, list->n * 256);
        for (long round = -(n / 10 + 1); round < n; round++) {
            static double t0;
            if (round == 0) t0 = now_ns();
            for (uint64_t i = 0; i < list->n; i++) {
                struct kvm_one_reg r = { .id = list->reg[i], .addr = (uint64_t)(values + i * 256) };
                check(ioctl(vcpu, KVM_GET_ONE_REG, &r), "KVM_GET_ONE_REG");
            }
            for (uint64_t i = 0; i < list->n; i++) {
                struct kvm_one_reg r = { .id = list->reg[i], .addr = (uint64_t)(values + i * 256) };
                check(ioctl(vcpu, KVM_SET_ONE_REG, &r), "KVM_SET_ONE_REG");
            }
            if (round == n - 1) printf("sync %.1f %llu\n", (now_ns() - t0) / n, (unsigned long long)list->n);
        }
    }
    return 0;
}
