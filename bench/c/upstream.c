/* A near-zero-cost MCP stdio server for the end-to-end benchmarks (bench/e2e.py).
 *
 * Reads newline-delimited JSON-RPC on stdin and answers on stdout. It does not parse JSON:
 * it finds the top-level "id" and "method" by searching the line (every client in the
 * benchmark writes them before "params"), which is enough for the messages it is sent:
 *
 *   initialize            -> the client's protocolVersion, capabilities.tools, serverInfo
 *   server/discover       -> the handshake-era versions only (so proxies use initialize)
 *   tools/list            -> one tool, "echo"
 *   tools/call            -> {"content":[{"type":"text","text":"ok"}]}; with "n":N in the
 *                            arguments the text is N bytes (payload-size benchmark)
 *   ping                  -> {}
 *   other requests        -> -32601; notifications are ignored
 *
 * Answers to the lines of one read() are written with one write(), so the server costs
 * a few hundred nanoseconds per request. Built by the benchmark with the system cc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *out;
static size_t out_len, out_cap;

static void reserve(size_t more) {
  if (out_len + more <= out_cap) return;
  while (out_len + more > out_cap) out_cap = out_cap ? out_cap * 2 : 1 << 16;
  out = realloc(out, out_cap);
  if (!out) exit(1);
}

static void put(const char *s, size_t n) {
  reserve(n);
  memcpy(out + out_len, s, n);
  out_len += n;
}
static void puts_(const char *s) { put(s, strlen(s)); }

static void flush_out(void) {
  size_t off = 0;
  while (off < out_len) {
    ssize_t w = write(1, out + off, out_len - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      exit(0);
    }
    off += (size_t)w;
  }
  out_len = 0;
}

/* The raw JSON text of the value after `"key":` (the first occurrence), or NULL. */
static const char *find_key(const char *line, size_t len, const char *key, size_t *vlen) {
  size_t klen = strlen(key);
  const char *end = line + len;
  const char *p = line;
  while ((p = memmem(p, (size_t)(end - p), key, klen)) != NULL) {
    const char *q = p + klen;
    while (q < end && (*q == ' ')) q++;
    if (q < end && *q == ':') {
      q++;
      while (q < end && *q == ' ') q++;
      const char *v = q;
      if (q < end && *q == '"') {
        q++;
        while (q < end && *q != '"') q += (*q == '\\') ? 2 : 1;
        q++;
      } else {
        while (q < end && *q != ',' && *q != '}' && *q != ']') q++;
      }
      *vlen = (size_t)(q - v);
      return v;
    }
    p += klen;
  }
  return NULL;
}

static char *filler;
static size_t filler_len;

static void answer(const char *line, size_t len) {
  size_t idlen = 0, mlen = 0;
  const char *id = find_key(line, len, "\"id\"", &idlen);
  const char *method = find_key(line, len, "\"method\"", &mlen);
  if (!method) return;                    /* a response to us: we never ask anything */
  if (!id) return;                        /* a notification */
#define IS(m) (mlen == sizeof(m) + 1 && memcmp(method + 1, m, sizeof(m) - 1) == 0)
  put("{\"jsonrpc\":\"2.0\",\"id\":", 22);
  put(id, idlen);
  if (IS("tools/call")) {
    size_t nlen = 0;
    const char *n = find_key(line, len, "\"n\"", &nlen);
    long size = n ? strtol(n, NULL, 10) : 0;
    if (size <= 0) {
      puts_(",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"ok\"}]}}\n");
    } else {
      if ((size_t)size > filler_len) {
        filler = realloc(filler, (size_t)size);
        memset(filler, 'x', (size_t)size);
        filler_len = (size_t)size;
      }
      puts_(",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"");
      put(filler, (size_t)size);
      puts_("\"}]}}\n");
    }
  } else if (IS("initialize")) {
    /* The client's version back (every client here asks for one this server accepts). */
    size_t vlen = 0;
    const char *v = find_key(line, len, "\"protocolVersion\"", &vlen);
    puts_(",\"result\":{\"protocolVersion\":");
    if (v && vlen > 2 && *v == '"') put(v, vlen);
    else puts_("\"2025-11-25\"");
    puts_(",\"capabilities\":{\"tools\":{}},\"serverInfo\":{\"name\":\"c-upstream\",\"version\":\"1.0\"}}}\n");
  } else if (IS("server/discover")) {
    puts_(",\"result\":{\"supportedVersions\":[\"2025-11-25\",\"2025-06-18\",\"2025-03-26\",\"2024-11-05\"],"
          "\"capabilities\":{\"tools\":{}},\"serverInfo\":{\"name\":\"c-upstream\",\"version\":\"1.0\"}}}\n");
  } else if (IS("tools/list")) {
    puts_(",\"result\":{\"tools\":[{\"name\":\"echo\",\"description\":\"answers ok\","
          "\"inputSchema\":{\"type\":\"object\"}}]}}\n");
  } else if (IS("ping")) {
    puts_(",\"result\":{}}\n");
  } else {
    puts_(",\"error\":{\"code\":-32601,\"message\":\"Method not found\"}}\n");
  }
#undef IS
}

int main(void) {
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (len == cap) {
      cap *= 2;
      buf = realloc(buf, cap);
    }
    ssize_t r = read(0, buf + len, cap - len);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    len += (size_t)r;
    size_t start = 0;
    char *nl;
    while ((nl = memchr(buf + start, '\n', len - start)) != NULL) {
      answer(buf + start, (size_t)(nl - (buf + start)));
      start = (size_t)(nl - buf) + 1;
    }
    memmove(buf, buf + start, len - start);
    len -= start;
    if (out_len) flush_out();
  }
  return 0;
}
