/* The floor of the end-to-end benchmarks: a trivial stdio "proxy" that starts a command and
 * forwards whole lines between pipes, with no parsing at all.
 *
 *   forwarder CMD [ARGS...]
 *
 * Two threads: stdin -> child's stdin, child's stdout -> stdout. Each read() is forwarded up
 * to its last complete line (the rest waits for the next read), so messages cross as whole
 * lines, as they would through a line-framing proxy. Built by the benchmark with the system cc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct pipe_pair { int in, out; };

static int write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static void *pump(void *arg) {
  struct pipe_pair *pp = arg;
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (len == cap) {
      cap *= 2;
      buf = realloc(buf, cap);
    }
    ssize_t r = read(pp->in, buf + len, cap - len);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    size_t scanned = len;
    len += (size_t)r;
    char *last = NULL;
    for (char *p = buf + scanned; (p = memchr(p, '\n', (size_t)(buf + len - p))) != NULL; ++p) last = p;
    if (!last) continue;
    size_t n = (size_t)(last - buf) + 1;
    if (write_all(pp->out, buf, n) < 0) break;
    memmove(buf, buf + n, len - n);
    len -= n;
  }
  close(pp->out);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  signal(SIGPIPE, SIG_IGN);
  int to_child[2], from_child[2];
  if (pipe(to_child) || pipe(from_child)) return 1;
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    dup2(to_child[0], 0);
    dup2(from_child[1], 1);
    close(to_child[0]); close(to_child[1]); close(from_child[0]); close(from_child[1]);
    execvp(argv[1], argv + 1);
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  struct pipe_pair up = {0, to_child[1]}, down = {from_child[0], 1};
  pthread_t t1, t2;
  pthread_create(&t1, NULL, pump, &up);
  pthread_create(&t2, NULL, pump, &down);
  pthread_join(t1, NULL);  /* our stdin closed: the child's stdin was closed too */
  pthread_join(t2, NULL);  /* the child closed its stdout */
  int status;
  waitpid(pid, &status, 0);
  return 0;
}
