// perf/floor/run.sh drives this: a minimal RESP-ish server (counts commands, answers ":1" each) to measure the
// kernel floor of a pipelined one-key command, through epoll or io_uring. Not part of FastKv.
// Prototype: cost per op of epoll vs io_uring front ends for a RESP-like server (counts "*" at command starts).
#define _GNU_SOURCE
#include <liburing.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <sched.h>
static char reply[1 << 16];
static int count_cmds(const char *b, int n) { int c = 0; for (int i = 0; i < n; i++) if (b[i] == '*' && (i == 0 || b[i-1] == '\n')) c++; return c; }
static void init_reply(void) { for (int i = 0; i < (int)sizeof reply / 4; i++) memcpy(reply + 4 * i, ":1\r\n", 4); }
static int listen_on(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, 4);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(0x7f000001) };
  if (bind(fd, (void*)&a, sizeof a) || listen(fd, 511)) { perror("bind"); exit(1); }
  return fd;
}
static void run_epoll(int lfd) {
  int ep = epoll_create1(0); struct epoll_event ev = { .events = EPOLLIN, .data.fd = lfd }; epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  struct epoll_event evs[256]; char buf[16384];
  for (;;) {
    int n = epoll_wait(ep, evs, 256, -1);
    for (int i = 0; i < n; i++) {
      int fd = evs[i].data.fd;
      if (fd == lfd) { int c; while ((c = accept4(lfd, 0, 0, SOCK_NONBLOCK)) >= 0) { int one = 1; setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, 4); struct epoll_event e = { .events = EPOLLIN | EPOLLRDHUP, .data.fd = c }; epoll_ctl(ep, EPOLL_CTL_ADD, c, &e); } continue; }
      ssize_t r = read(fd, buf, sizeof buf);
      if (r <= 0) { if (r == 0 || errno != EAGAIN) close(fd); continue; }
      int k = count_cmds(buf, r); if (k) send(fd, reply, 4 * k, MSG_NOSIGNAL);
    }
  }
}
#define NBUF 1024
#define BUFSZ 4096
#define BGID 1
static int single;
static void run_uring(int lfd, int sqe_send) {
  struct io_uring ring; struct io_uring_params p = { .flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_COOP_TASKRUN };
  if (io_uring_queue_init_params(4096, &ring, &p)) { perror("init"); exit(1); }
  struct io_uring_buf_ring *br = aligned_alloc(4096, NBUF * sizeof(struct io_uring_buf)); memset(br, 0, NBUF * sizeof(struct io_uring_buf));
  struct io_uring_buf_reg reg = { .ring_addr = (unsigned long)br, .ring_entries = NBUF, .bgid = BGID };
  int ret = io_uring_register_buf_ring(&ring, &reg, 0); if (ret) { fprintf(stderr, "buf ring %d\n", ret); exit(1); }
  char *bufs = aligned_alloc(4096, NBUF * BUFSZ);
  for (int i = 0; i < NBUF; i++) io_uring_buf_ring_add(br, bufs + i * BUFSZ, BUFSZ, i, io_uring_buf_ring_mask(NBUF), i);
  io_uring_buf_ring_advance(br, NBUF);
  struct io_uring_sqe *s = io_uring_get_sqe(&ring); io_uring_prep_multishot_accept(s, lfd, 0, 0, 0); io_uring_sqe_set_data64(s, 1ull << 40);
  for (;;) {
    io_uring_submit_and_wait(&ring, 1);
    struct io_uring_cqe *cqe; unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      seen++;
      unsigned long long ud = cqe->user_data;
      if (ud == (1ull << 40)) {
        int c = cqe->res; if (c >= 0) { int one = 1; setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, 4);
          struct io_uring_sqe *r = io_uring_get_sqe(&ring); if (single) io_uring_prep_recv(r, c, NULL, 0, 0); else io_uring_prep_recv_multishot(r, c, NULL, 0, 0); r->flags |= IOSQE_BUFFER_SELECT; r->buf_group = BGID; io_uring_sqe_set_data64(r, c); }
        continue;
      }
      if (ud & (1ull << 41)) continue; // send completion
      int fd = (int)ud;
      if (cqe->res <= 0) { if (cqe->res != -ENOBUFS) { close(fd); continue; } }
      else {
        int bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
        int k = count_cmds(bufs + bid * BUFSZ, cqe->res);
        io_uring_buf_ring_add(br, bufs + bid * BUFSZ, BUFSZ, bid, io_uring_buf_ring_mask(NBUF), 0);
        io_uring_buf_ring_advance(br, 1);
        if (k) {
          if (sqe_send) { struct io_uring_sqe *w = io_uring_get_sqe(&ring); io_uring_prep_send(w, fd, reply, 4 * k, MSG_NOSIGNAL); io_uring_sqe_set_data64(w, (1ull << 41) | fd); }
          else send(fd, reply, 4 * k, MSG_NOSIGNAL);
        }
      }
      if (!(cqe->flags & IORING_CQE_F_MORE) && cqe->res > 0 || cqe->res == -ENOBUFS) {
        struct io_uring_sqe *r = io_uring_get_sqe(&ring); if (single) io_uring_prep_recv(r, fd, NULL, 0, 0); else io_uring_prep_recv_multishot(r, fd, NULL, 0, 0); r->flags |= IOSQE_BUFFER_SELECT; r->buf_group = BGID; io_uring_sqe_set_data64(r, fd);
      }
    }
    io_uring_cq_advance(&ring, seen);
  }
}
int main(int argc, char **argv) {
  init_reply();
  int port = atoi(argv[2]); int lfd = listen_on(port);
  if (argc > 3) { cpu_set_t m; CPU_ZERO(&m); CPU_SET(atoi(argv[3]), &m); sched_setaffinity(0, sizeof m, &m); }
  if (!strcmp(argv[1], "epoll")) run_epoll(lfd);
  else { single = !strcmp(argv[1], "uring-single"); run_uring(lfd, strcmp(argv[1], "uring") != 0); }
}
