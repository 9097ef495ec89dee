#!/bin/bash
# The cost floor of a pipelined one-key command on this machine, without FastKv or Redis: floor_server.c answers ":1"
# per command (it only counts the '*' that start commands) through epoll, or io_uring (multishot recv into a provided
# buffer ring; sends through the ring or by send(2)). Each mode runs on core 0 under redis-benchmark SETBIT at
# pipeline 16 on core 1 (50 clients, 2M commands), alternating, and prints the server's user+sys CPU ticks.
# syscall_cost.c: ns per bare syscall, with N distinct pages touched after each (4 KB pages or huge pages).
# Usage: perf/floor/run.sh [ROUNDS]      (needs gcc and liburing-dev; installs the latter when missing)
set -e
cd "$(dirname "$0")"
rounds=${1:-3}
[ -f /usr/include/liburing.h ] || apt-get install -y liburing-dev >/dev/null
out=$(mktemp -d)
gcc -O2 -o "$out/floor_server" floor_server.c -luring
gcc -O2 -o "$out/syscall_cost" syscall_cost.c
for r in $(seq "$rounds"); do
  for mode in epoll uring-send uring-single; do
    port=$((20000 + RANDOM % 10000))
    "$out/floor_server" "$mode" "$port" 0 & pid=$!
    sleep 0.3
    taskset -c 1 redis-benchmark -p "$port" -c 50 -P 16 -n 2000000 -r 1000 -q setbit bm:__rand_int__ 100007 1 >/dev/null 2>&1
    echo "$mode round $r: $(awk '{print $14 + $15}' /proc/$pid/stat) CPU ticks"
    kill $pid; wait $pid 2>/dev/null || true
  done
done
for huge in 0 1; do for pages in 1 64; do taskset -c 0 "$out/syscall_cost" $huge $pages 1; done; done
rm -rf "$out"
