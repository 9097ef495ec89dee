// perf/floor/run.sh drives this: ns per bare syscall (getppid) with N distinct pages touched after each. Not part of FastKv.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
// touch `pages` distinct pages (stride 4K + 64 to avoid same set) after each syscall; report ns per iteration
int main(int argc, char **argv) {
  int huge = atoi(argv[1]); int pages = atoi(argv[2]); int sys = atoi(argv[3]);
  size_t sz = 64 << 20;
  char *m = mmap(NULL, sz + (2 << 20), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  m = (char *)(((unsigned long)m + (2 << 20) - 1) & ~((2UL << 20) - 1));
  madvise(m, sz, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
  memset(m, 1, sz);
  // pages spread over 64MB
  unsigned long *idx = malloc(sizeof(long) * pages);
  for (int i = 0; i < pages; i++) idx[i] = ((unsigned long)i * 16411 % (sz / 4096)) * 4096 + (i % 64) * 64;
  int iters = 200000; volatile long sum = 0;
  double t0 = now();
  for (int it = 0; it < iters; it++) {
    if (sys) syscall(SYS_getppid);
    for (int i = 0; i < pages; i++) sum += m[idx[i]];
  }
  double t1 = now();
  FILE *f = fopen("/proc/self/smaps_rollup", "r"); char line[256]; long ahp = 0;
  while (fgets(line, sizeof line, f)) if (!strncmp(line, "AnonHugePages:", 14)) ahp = atol(line + 14);
  printf("huge=%d pages=%d sys=%d: %.1f ns/iter (AnonHuge %ld kB)\n", huge, pages, sys, (t1 - t0) / iters, ahp);
}
