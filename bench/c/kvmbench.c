/*
 * The C reference for kvm4j's benchmarks: the same ioctls on the same guest, with nothing in between.
 * Built for the host it runs on: gcc on x86_64, aarch64-linux-gnu-gcc -static for the emulated arm64 host.
 *   kvmbench mmio N        N MMIO-write exits (arm64: "str x1,[x2]; b 1b"; x86: "mov [bx],al; jmp 1b")
 *   kvmbench pio N         N port-I/O exits, x86 only ("out dx,al; jmp 1b")
 *   kvmbench sync N        N rounds of get-all + put-all over every id in KVM_GET_REG_LIST, arm64 only
 *   kvmbench lifecycle N   N times: open /dev/kvm, create a VM, add 2 MiB of RAM, create a vCPU, close all
 *   kvmbench steps N       the lifecycle again, timed step by step (one line per step)
 * Prints "<name> <nanoseconds per operation>". The guests match bench's Java ones byte for byte.
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

#define RAM_SIZE 0x200000ULL

#if defined(__aarch64__)
#define RAM_BASE 0x40000000ULL
#define MMIO_ADDR 0x10000000ULL
#define CORE_REG(off) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | ((off) / 4))
#elif defined(__x86_64__)
/* Real mode, code at 0x1000 with cs base 0; 0xf000 lies above the RAM slot, so stores there exit. */
#define RAM_BASE 0x0ULL
#define RAM_X86_SIZE 0x8000ULL
#define CODE 0x1000ULL
#define MMIO_ADDR 0xf000ULL
#define PIO_PORT 0x10
#else
#error "kvmbench knows arm64 and x86_64 guests only"
#endif

static int check(int r, const char *what) {
    if (r < 0) { perror(what); exit(1); }
    return r;
}

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

struct guest { int kvm, vm, vcpu; struct kvm_run *run; uint8_t *ram; };

#if defined(__aarch64__)
static void set_reg(int vcpu, uint64_t id, uint64_t v) {
    struct kvm_one_reg r = { .id = id, .addr = (uint64_t)&v };
    check(ioctl(vcpu, KVM_SET_ONE_REG, &r), "KVM_SET_ONE_REG");
}
#endif

/* One vCPU looping on an exit of the kind asked for ("mmio" or "pio"). */
static struct guest guest_for(const char *kind) {
    struct guest g;
    g.kvm = check(open("/dev/kvm", O_RDWR | O_CLOEXEC), "/dev/kvm");
    g.vm = check(ioctl(g.kvm, KVM_CREATE_VM, 0), "KVM_CREATE_VM");
    g.ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    int mmap_size = check(ioctl(g.kvm, KVM_GET_VCPU_MMAP_SIZE, 0), "KVM_GET_VCPU_MMAP_SIZE");
#if defined(__aarch64__)
    uint32_t *code = (uint32_t *)g.ram;
    code[0] = 0xf9000041; /* str x1, [x2] */
    code[1] = 0x17ffffff; /* b 1b */
    struct kvm_userspace_memory_region region = { .slot = 0, .guest_phys_addr = RAM_BASE, .memory_size = RAM_SIZE, .userspace_addr = (uint64_t)g.ram };
    check(ioctl(g.vm, KVM_SET_USER_MEMORY_REGION, &region), "KVM_SET_USER_MEMORY_REGION");
    g.vcpu = check(ioctl(g.vm, KVM_CREATE_VCPU, 0), "KVM_CREATE_VCPU");
    struct kvm_vcpu_init init;
    check(ioctl(g.vm, KVM_ARM_PREFERRED_TARGET, &init), "KVM_ARM_PREFERRED_TARGET");
    memset(init.features, 0, sizeof init.features);
    check(ioctl(g.vcpu, KVM_ARM_VCPU_INIT, &init), "KVM_ARM_VCPU_INIT");
    set_reg(g.vcpu, CORE_REG(offsetof(struct kvm_regs, regs.pc)), RAM_BASE);
    set_reg(g.vcpu, CORE_REG(offsetof(struct kvm_regs, regs.regs[2])), MMIO_ADDR);
    if (strcmp(kind, "mmio") != 0) { fprintf(stderr, "arm64 has no %s exits\n", kind); exit(2); }
#else
    static const uint8_t mmio_loop[] = {0x88, 0x07, 0xeb, 0xfc}; /* 1: mov [bx],al; jmp 1b */
    static const uint8_t pio_loop[] = {0xee, 0xeb, 0xfd};        /* 1: out dx,al; jmp 1b */
    int pio = strcmp(kind, "pio") == 0;
    if (pio) memcpy(g.ram + CODE, pio_loop, sizeof pio_loop); else memcpy(g.ram + CODE, mmio_loop, sizeof mmio_loop);
    struct kvm_userspace_memory_region region = { .slot = 0, .guest_phys_addr = RAM_BASE, .memory_size = RAM_X86_SIZE, .userspace_addr = (uint64_t)g.ram };
    check(ioctl(g.vm, KVM_SET_USER_MEMORY_REGION, &region), "KVM_SET_USER_MEMORY_REGION");
    g.vcpu = check(ioctl(g.vm, KVM_CREATE_VCPU, 0), "KVM_CREATE_VCPU");
    struct kvm_sregs sregs;
    check(ioctl(g.vcpu, KVM_GET_SREGS, &sregs), "KVM_GET_SREGS");
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    check(ioctl(g.vcpu, KVM_SET_SREGS, &sregs), "KVM_SET_SREGS");
    struct kvm_regs regs = { .rip = CODE, .rflags = 2, .rax = 0x42, .rbx = MMIO_ADDR, .rdx = PIO_PORT };
    check(ioctl(g.vcpu, KVM_SET_REGS, &regs), "KVM_SET_REGS");
#endif
    g.run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, g.vcpu, 0);
    if (g.run == MAP_FAILED) { perror("mmap(kvm_run)"); exit(1); }
    return g;
}

static void exits(const char *kind, long n) {
    struct guest g = guest_for(kind);
    uint32_t want = strcmp(kind, "pio") == 0 ? KVM_EXIT_IO : KVM_EXIT_MMIO;
    for (long i = 0; i < n / 10 + 1; i++) check(ioctl(g.vcpu, KVM_RUN, 0), "KVM_RUN"); /* warm up */
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        check(ioctl(g.vcpu, KVM_RUN, 0), "KVM_RUN");
        if (g.run->exit_reason != want) { fprintf(stderr, "unexpected exit %u\n", g.run->exit_reason); exit(1); }
    }
    printf("%s %.1f\n", kind, (now_ns() - t0) / n);
}

#if defined(__aarch64__)
static void sync_all(long n) {
    struct guest g = guest_for("mmio");
    struct kvm_reg_list probe = { .n = 0 };
    ioctl(g.vcpu, KVM_GET_REG_LIST, &probe); /* E2BIG, with the count */
    struct kvm_reg_list *list = malloc(sizeof *list + probe.n * sizeof(uint64_t));
    list->n = probe.n;
    check(ioctl(g.vcpu, KVM_GET_REG_LIST, list), "KVM_GET_REG_LIST");
    uint8_t *values = aligned_alloc(16, list->n * 256);
    double t0 = 0;
    for (long round = -(n / 10 + 1); round < n; round++) {
        if (round == 0) t0 = now_ns();
        for (uint64_t i = 0; i < list->n; i++) {
            struct kvm_one_reg r = { .id = list->reg[i], .addr = (uint64_t)(values + i * 256) };
            check(ioctl(g.vcpu, KVM_GET_ONE_REG, &r), "KVM_GET_ONE_REG");
        }
        for (uint64_t i = 0; i < list->n; i++) {
            struct kvm_one_reg r = { .id = list->reg[i], .addr = (uint64_t)(values + i * 256) };
            check(ioctl(g.vcpu, KVM_SET_ONE_REG, &r), "KVM_SET_ONE_REG");
        }
    }
    printf("sync %.1f %llu\n", (now_ns() - t0) / n, (unsigned long long)list->n);
}
#endif

/*
 * What kvm4j's Kvm.open / createVm / GuestMemory.allocate / addMemory / createVcpu / close do, call for
 * call: the API version check and the kvm_run size at open, kvm_run mapped with the vCPU.
 * steps != NULL adds each step's time there, in the steps Lifecycle.java names.
 */
enum { OPEN, CREATE_VM, MAP_RAM, ADD_MEMORY, CREATE_VCPU, CLOSE_VCPU, CLOSE_VM, UNMAP_RAM, CLOSE_KVM, NSTEPS };
static const char *step_names[NSTEPS] = {"open /dev/kvm", "create VM", "map 2 MiB RAM", "add memory", "create vCPU",
    "close vCPU", "close VM", "unmap RAM", "close /dev/kvm"};

static void lifecycle_once(double *steps) {
    double t = steps ? now_ns() : 0, t1;
#define STEP(i) do { if (steps) { t1 = now_ns(); steps[i] += t1 - t; t = t1; } } while (0)
    int kvm = check(open("/dev/kvm", O_RDWR | O_CLOEXEC), "/dev/kvm");
    if (check(ioctl(kvm, KVM_GET_API_VERSION, 0), "KVM_GET_API_VERSION") != KVM_API_VERSION) { fprintf(stderr, "KVM API version\n"); exit(1); }
    int mmap_size = check(ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), "KVM_GET_VCPU_MMAP_SIZE");
    STEP(OPEN);
    int vm = check(ioctl(kvm, KVM_CREATE_VM, 0), "KVM_CREATE_VM");
    STEP(CREATE_VM);
    void *ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED) { perror("mmap"); exit(1); }
    STEP(MAP_RAM);
    struct kvm_userspace_memory_region region = { .slot = 0, .guest_phys_addr = 0, .memory_size = RAM_SIZE, .userspace_addr = (uint64_t)ram };
    check(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region), "KVM_SET_USER_MEMORY_REGION");
    STEP(ADD_MEMORY);
    int vcpu = check(ioctl(vm, KVM_CREATE_VCPU, 0), "KVM_CREATE_VCPU");
    void *run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED) { perror("mmap(kvm_run)"); exit(1); }
    STEP(CREATE_VCPU);
    munmap(run, mmap_size);
    close(vcpu);
    STEP(CLOSE_VCPU);
    close(vm);
    STEP(CLOSE_VM);
    munmap(ram, RAM_SIZE);
    STEP(UNMAP_RAM);
    close(kvm);
    STEP(CLOSE_KVM);
#undef STEP
}

static void lifecycle(long n) {
    for (long i = 0; i < n / 10 + 1; i++) lifecycle_once(NULL);
    double t0 = now_ns();
    for (long i = 0; i < n; i++) lifecycle_once(NULL);
    printf("lifecycle %.1f\n", (now_ns() - t0) / n);
}

static void lifecycle_steps(long n) {
    double steps[NSTEPS] = {0};
    for (long i = 0; i < n / 10 + 1; i++) lifecycle_once(NULL);
    for (long i = 0; i < n; i++) lifecycle_once(steps);
    for (int s = 0; s < NSTEPS; s++) printf("%.1f %s\n", steps[s] / n, step_names[s]);
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s mmio|pio|sync|lifecycle|steps N\n", argv[0]); return 2; }
    long n = atol(argv[2]);
    if (strcmp(argv[1], "mmio") == 0 || strcmp(argv[1], "pio") == 0) exits(argv[1], n);
#if defined(__aarch64__)
    else if (strcmp(argv[1], "sync") == 0) sync_all(n);
#endif
    else if (strcmp(argv[1], "lifecycle") == 0) lifecycle(n);
    else if (strcmp(argv[1], "steps") == 0) lifecycle_steps(n);
    else { fprintf(stderr, "kvmbench: unknown benchmark %s on this architecture\n", argv[1]); return 2; }
    return 0;
}
