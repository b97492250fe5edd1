/* The load client of the end-to-end benchmarks (bench/e2e.py): one MCP client over a stdio
 * pipe, the same for every target, so the targets differ only in what sits between it and
 * the upstream.
 *
 *   loadgen [options] -- CMD [ARGS...]
 *
 * Starts CMD with pipes on its stdin/stdout (its stderr goes to --stderr, default /dev/null),
 * does the MCP handshake (initialize, notifications/initialized), then:
 *   1. warm-up: --warmup sequential tools/call requests, then the RSS of CMD "at rest"
 *      (VmRSS after a 200 ms pause);
 *   2. sequential latency: --seq requests one at a time (at most --seq-max-s seconds);
 *   3. for each level K of --inflight: K requests kept in flight (pipelined over the pipe,
 *      matched by JSON-RPC id) for --warmup-s unmeasured then --duration measured seconds;
 *      requests/s and latency percentiles of the answers that arrived in the window, and
 *      CMD's VmRSS at the end of the window ("under load"); then the pipe is drained.
 * Prints one JSON object on stdout. Every request is tools/call of "echo" (or of
 * "u<i>_echo", i = id mod --tools, to spread requests over routes); with --payload N > 0 its
 * arguments carry N bytes and ask for N bytes back. Answers that are JSON-RPC errors are
 * counted ("errors"), never timed as successes. Built by the benchmark with the system cc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct { char *p; size_t len, cap, off; } buf_t;

static void buf_reserve(buf_t *b, size_t more) {
  if (b->len + more <= b->cap) return;
  if (b->off) {  /* compact first */
    memmove(b->p, b->p + b->off, b->len - b->off);
    b->len -= b->off;
    b->off = 0;
    if (b->len + more <= b->cap) return;
  }
  while (b->len + more > b->cap) b->cap = b->cap ? b->cap * 2 : 1 << 16;
  b->p = realloc(b->p, b->cap);
  if (!b->p) { perror("realloc"); exit(1); }
}
static void buf_put(buf_t *b, const char *s, size_t n) {
  buf_reserve(b, n);
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* options */
static long opt_seq = 2000, opt_warmup = 200, opt_payload = 0, opt_tools = 0;
static double opt_seq_max_s = 3.0, opt_duration = 1.0, opt_warmup_s = 0.25, opt_ready_s = 60.0;
static int levels[32], nlevels = 0;
static const char *opt_stderr = "/dev/null";

/* the child */
static pid_t child;
static int wfd = -1, rfd = -1;
static buf_t out, in;
static char *payload;

/* requests */
#define RING (1u << 20)
static double *sent_at;         /* by id % RING */
static uint64_t next_id = 2;    /* 1 is initialize */
static long outstanding = 0;
static long errors = 0;
static int printed_error = 0;

/* the current measurement */
static double window_start = 1e300, window_end = 1e300;
static long window_done = 0;
static double *lat; static size_t nlat, caplat;

static void record(double us) {
  if (nlat == caplat) {
    caplat = caplat ? caplat * 2 : 1 << 16;
    lat = realloc(lat, caplat * sizeof *lat);
  }
  lat[nlat++] = us;
}

static long read_status_kb(const char *field) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)child);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  long v = -1;
  size_t fl = strlen(field);
  while (fgets(line, sizeof line, f))
    if (strncmp(line, field, fl) == 0 && line[fl] == ':') { v = strtol(line + fl + 1, NULL, 10); break; }
  fclose(f);
  return v;
}

static void flush_some(void) {
  while (out.off < out.len) {
    ssize_t w = write(wfd, out.p + out.off, out.len - out.off);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      fprintf(stderr, "loadgen: write to target failed: %s\n", strerror(errno));
      exit(3);
    }
    out.off += (size_t)w;
  }
  out.off = out.len = 0;
}

static void send_request(void) {
  char head[160];
  uint64_t id = next_id++;
  char name[32];
  if (opt_tools > 0) snprintf(name, sizeof name, "u%ld_echo", (long)(id % (uint64_t)opt_tools));
  else snprintf(name, sizeof name, "echo");
  int n = snprintf(head, sizeof head,
                   "{\"jsonrpc\":\"2.0\",\"id\":%llu,\"method\":\"tools/call\",\"params\":{\"name\":\"%s\","
                   "\"arguments\":{",
                   (unsigned long long)id, name);
  buf_put(&out, head, (size_t)n);
  if (opt_payload > 0) {
    n = snprintf(head, sizeof head, "\"n\":%ld,\"payload\":\"", opt_payload);
    buf_put(&out, head, (size_t)n);
    buf_put(&out, payload, (size_t)opt_payload);
    buf_put(&out, "\"", 1);
  }
  buf_put(&out, "}}}\n", 4);
  sent_at[id % RING] = now_s();
  outstanding++;
  flush_some();
}

/* The top-level id of a response, or 0 for anything else (server requests, notifications). */
static uint64_t response_id(const char *line, size_t len, int *is_error) {
  const char *end = line + len;
  const char *id = memmem(line, len, "\"id\":", 5);
  if (!id) return 0;
  const char *method = memmem(line, (size_t)(id - line), "\"method\"", 8);
  if (method) return 0;
  const char *p = id + 5;
  while (p < end && *p == ' ') p++;
  if (p >= end || *p < '0' || *p > '9') return 0;
  uint64_t v = strtoull(p, NULL, 10);
  *is_error = memmem(line, len, "\"error\":", 8) != NULL && memmem(line, len, "\"result\":", 9) == NULL;
  return v;
}

static int init_done = 0;

static void on_line(const char *line, size_t len) {
  int is_error = 0;
  uint64_t id = response_id(line, len, &is_error);
  if (id == 0) return;
  if (id == 1) {
    if (is_error) { fprintf(stderr, "loadgen: initialize failed: %.*s\n", (int)len, line); exit(4); }
    init_done = 1;
    return;
  }
  double t = now_s();
  outstanding--;
  if (is_error) {
    errors++;
    if (!printed_error) {
      printed_error = 1;
      fprintf(stderr, "loadgen: first error answer: %.*s\n", (int)(len > 400 ? 400 : len), line);
    }
    return;
  }
  double s = sent_at[id % RING];
  if (t >= window_start && t <= window_end) {
    window_done++;
    record((t - s) * 1e6);
  }
}

/* Waits up to timeout_ms for I/O, writes what it can, reads and handles every whole line. */
static void pump(int timeout_ms) {
  struct pollfd p[2] = {{rfd, POLLIN, 0}, {wfd, POLLOUT, 0}};
  int nfds = out.len > out.off ? 2 : 1;
  int r = poll(p, (nfds_t)nfds, timeout_ms);
  if (r < 0 && errno != EINTR) { perror("poll"); exit(3); }
  if (nfds == 2 && (p[1].revents & (POLLOUT | POLLERR))) flush_some();
  if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR))) return;
  for (;;) {
    buf_reserve(&in, 1 << 18);
    ssize_t n = read(rfd, in.p + in.len, in.cap - in.len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      perror("read");
      exit(3);
    }
    if (n == 0) { fprintf(stderr, "loadgen: the target closed its output\n"); exit(3); }
    size_t scan = in.len;
    in.len += (size_t)n;
    char *nl;
    while ((nl = memchr(in.p + scan, '\n', in.len - scan)) != NULL) {
      on_line(in.p + in.off, (size_t)(nl - (in.p + in.off)));
      in.off = (size_t)(nl - in.p) + 1;
      scan = in.off;
    }
    if (in.off == in.len) in.off = in.len = 0;
    if ((size_t)n < (1u << 18)) break;
  }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
static double pct(double q) {
  if (!nlat) return -1;
  size_t i = (size_t)(q * (double)(nlat - 1) + 0.5);
  return lat[i];
}
static void print_latency(void) {
  double sum = 0;
  for (size_t i = 0; i < nlat; i++) sum += lat[i];
  qsort(lat, nlat, sizeof *lat, cmp_double);
  printf("\"n\":%zu,\"p50_us\":%.2f,\"p90_us\":%.2f,\"p99_us\":%.2f,\"mean_us\":%.2f", nlat, pct(0.5), pct(0.9),
         pct(0.99), nlat ? sum / (double)nlat : -1.0);
}

static void drain(void) {
  double deadline = now_s() + 60;
  while (outstanding > 0) {
    if (now_s() > deadline) { fprintf(stderr, "loadgen: %ld answers missing\n", outstanding); exit(5); }
    pump(100);
  }
}

static void usage(void) {
  fprintf(stderr,
          "usage: loadgen [--seq N] [--seq-max-s S] [--warmup N] [--inflight 1,8,64,256] [--duration S]\n"
          "               [--warmup-s S] [--payload BYTES] [--tools N] [--stderr PATH] -- CMD [ARGS...]\n");
  exit(2);
}

int main(int argc, char **argv) {
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--")) { i++; break; }
    if (i + 1 >= argc) usage();
    const char *v = argv[++i];
    if (!strcmp(a, "--seq")) opt_seq = atol(v);
    else if (!strcmp(a, "--seq-max-s")) opt_seq_max_s = atof(v);
    else if (!strcmp(a, "--warmup")) opt_warmup = atol(v);
    else if (!strcmp(a, "--duration")) opt_duration = atof(v);
    else if (!strcmp(a, "--warmup-s")) opt_warmup_s = atof(v);
    else if (!strcmp(a, "--payload")) opt_payload = atol(v);
    else if (!strcmp(a, "--tools")) opt_tools = atol(v);
    else if (!strcmp(a, "--stderr")) opt_stderr = v;
    else if (!strcmp(a, "--ready-s")) opt_ready_s = atof(v);
    else if (!strcmp(a, "--inflight")) {
      char *s = strdup(v);
      for (char *tok = strtok(s, ","); tok && nlevels < 32; tok = strtok(NULL, ",")) levels[nlevels++] = atoi(tok);
    } else usage();
  }
  if (i >= argc) usage();
  signal(SIGPIPE, SIG_IGN);
  sent_at = calloc(RING, sizeof *sent_at);
  if (opt_payload > 0) {
    payload = malloc((size_t)opt_payload);
    memset(payload, 'a', (size_t)opt_payload);
  }

  int to_child[2], from_child[2];
  if (pipe(to_child) || pipe(from_child)) { perror("pipe"); return 1; }
  child = fork();
  if (child < 0) { perror("fork"); return 1; }
  if (child == 0) {
    setpgid(0, 0);
    int err = open(opt_stderr, O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(to_child[0], 0);
    dup2(from_child[1], 1);
    if (err >= 0) dup2(err, 2);
    close(to_child[0]); close(to_child[1]); close(from_child[0]); close(from_child[1]);
    execvp(argv[i], argv + i);
    _exit(127);
  }
  setpgid(child, child);
  close(to_child[0]);
  close(from_child[1]);
  wfd = to_child[1];
  rfd = from_child[0];
  fcntl(wfd, F_SETFL, fcntl(wfd, F_GETFL) | O_NONBLOCK);
  fcntl(rfd, F_SETFL, fcntl(rfd, F_GETFL) | O_NONBLOCK);
  fcntl(wfd, F_SETPIPE_SZ, 1 << 20);
  fcntl(rfd, F_SETPIPE_SZ, 1 << 20);

  double t0 = now_s();
  const char *init =
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
      "\"capabilities\":{},\"clientInfo\":{\"name\":\"loadgen\",\"version\":\"1.0\"}}}\n";
  buf_put(&out, init, strlen(init));
  flush_some();
  while (!init_done) {
    if (now_s() - t0 > opt_ready_s) { fprintf(stderr, "loadgen: no answer to initialize\n"); kill(-child, SIGKILL); return 4; }
    pump(100);
  }
  double startup_s = now_s() - t0;
  const char *inited = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n";
  buf_put(&out, inited, strlen(inited));
  flush_some();
  long rss_start = read_status_kb("VmRSS");

  printf("{\"pid\":%d,\"startup_s\":%.4f,\"rss_start_kb\":%ld", (int)child, startup_s, rss_start);
  for (long k = 0; k < opt_warmup; k++) {
    send_request();
    drain();
  }
  usleep(200000);
  printf(",\"rss_rest_kb\":%ld", read_status_kb("VmRSS"));

  if (opt_seq > 0) {
    nlat = 0;
    window_start = now_s();
    window_end = 1e300;
    double stop = window_start + opt_seq_max_s;
    for (long k = 0; k < opt_seq && now_s() < stop; k++) {
      send_request();
      drain();
    }
    printf(",\"seq\":{");
    print_latency();
    printf("}");
  }

  printf(",\"levels\":[");
  long rss_load = -1;
  for (int l = 0; l < nlevels; l++) {
    int k = levels[l];
    nlat = 0;
    window_done = 0;
    double start = now_s();
    window_start = start + opt_warmup_s;
    window_end = window_start + opt_duration;
    for (;;) {
      double t = now_s();
      if (t >= window_end) break;
      while (outstanding < k) send_request();
      pump(50);
    }
    long rss = read_status_kb("VmRSS");
    if (rss > rss_load) rss_load = rss;
    window_start = window_end = 1e300;  /* nothing more is timed */
    drain();
    printf("%s{\"inflight\":%d,\"completed\":%ld,\"seconds\":%.4f,\"rps\":%.1f,\"rss_kb\":%ld,", l ? "," : "", k,
           window_done, opt_duration, (double)window_done / opt_duration, rss);
    print_latency();
    printf("}");
    fflush(stdout);
  }
  printf("],\"rss_load_kb\":%ld,\"rss_hwm_kb\":%ld,\"errors\":%ld}\n", rss_load, read_status_kb("VmHWM"), errors);
  fflush(stdout);

  /* MCP stdio shutdown: close the target's stdin, give it time, then its process group goes. */
  close(wfd);
  double deadline = now_s() + 5;
  int status;
  while (waitpid(child, &status, WNOHANG) == 0) {
    if (now_s() > deadline) {
      kill(-child, SIGKILL);
      waitpid(child, &status, 0);
      break;
    }
    usleep(10000);
  }
  return 0;
}
