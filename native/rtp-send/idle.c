/*
 * Streams on the addon's thread: a call sends a frame every 20 ms (a prompt, looped hold audio such as
 * ringback, or silence). In JavaScript each frame cost the pacer's tick, the RTP header and a system call on
 * the event loop that also runs SIP and webhooks. Here a thread of this addon (one per Node environment)
 * sends them on absolute deadlines instead: no JavaScript per packet, and no waiting behind the control
 * plane. (The file keeps its first name, "idle": at first only calls that played nothing came here.)
 *
 * A stream plays the pieces of prompt queued on it (idleQueue) in order, and between and after them its
 * loop or silence. A piece played to its end leaves its token in a list that JavaScript drains (idleDrain)
 * once per interval while it waits for pieces: polling rather than a thread-safe function, whose lifetime at
 * the environment's teardown would have to be tied to the engine's, for the same 20 ms granularity.
 *
 * JavaScript (src/rtp/session.ts) hands a stream over with everything its packets need, and takes it back
 * (idleStop) before it sends anything itself: the RTP state (sequence number, timestamp) belongs to one
 * side at a time, so the packets stay one continuous stream. The thread never touches a stream after
 * idleStop returns, so the socket may then be closed.
 *
 *   idleStart(fd, to, pt, ssrc, seq, ts, marker, silence, loop, loopPos, firstDueNs): id
 *       loop: a Uint8Array of whole 20 ms frames, copied (or null: frames of the `silence` byte)
 *   idleQueue(id, token, piece): piece (a Uint8Array, copied) plays after those queued before it; the last
 *       partial frame is filled with the `silence` byte
 *   idleStop(id) / idlePeek(id): [seq, ts, marker, packets, octets, errors, loopPos, dueNs, headToken, headPos]
 *       packets, octets, errors: since idleStart; dueNs: when the thread would have sent the next frame;
 *       headToken, headPos: the first piece not played to its end and how far it got (0, 0: none). idleStop
 *       drops the pieces still queued: JavaScript has them, and goes on from there.
 *   idleDrain(): the tokens of the pieces played to their end since the last call
 *   idleThread(nice): starts the thread, at a raised priority where allowed: [nice it runs at, raised 0/1]
 */
#include <node_api.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <time.h>

#define FRAME 160
#define INTERVAL_NS 20000000LL
/* Further behind than this (a stalled machine), a stream drops the frames it missed instead of sending
   them back to back, as the JavaScript pacer does (media/pacer.ts maxCatchUp). */
#define MAX_CATCH_UP_NS (5 * INTERVAL_NS)
/* A wake also sends the frames due within this much: streams handed over at different moments keep
   deadlines of their own, and waking for each separately cost twice the CPU at 1,000 streams
   (bench/media-thread.ts --modes native: 0.52 of a core against 0.27), for frames at most 1 ms early. */
#define EARLY_NS 1000000LL

typedef struct piece {
  struct piece *next;
  uint32_t token;
  size_t len, pos;
  uint8_t data[];
} piece_t;

typedef struct {
  int in_use;
  int fd;
  struct sockaddr_storage to;
  socklen_t to_len;
  uint8_t pt, marker, silence;
  uint16_t seq;
  uint32_t ssrc, ts;
  uint8_t *loop;
  size_t loop_len, loop_pos;
  piece_t *head, *tail;
  int64_t due;
  double packets, octets, errors;
} stream_t;

typedef struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t thread;
  int started, quit;
  stream_t *streams;
  size_t cap, active;
  uint32_t *played; /* tokens of pieces played to their end, until idleDrain */
  size_t played_len, played_cap;
  /* The stream whose packet the thread is sending, without the lock (-1: none); idleStop waits for it on
     sent_cv, so that a stream's socket is never closed under a send. */
  ptrdiff_t sending;
  int stop_waiting;
  /* The thread's scheduling: the nice value asked for (idleThread; 0: the process's), whether it could be
     set, the value it runs at, and whether those are known yet (the thread sets its own). */
  int want_nice, raised, nice_now, prio_known;
  pthread_cond_t sent_cv;
} engine_t;

/* A packet built under the lock, sent after it is released. */
typedef struct {
  int fd;
  struct sockaddr_storage to;
  socklen_t to_len;
  uint8_t pkt[12 + FRAME];
} outgoing_t;

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void free_pieces(stream_t *s) {
  for (piece_t *p = s->head, *next; p; p = next) {
    next = p->next;
    free(p);
  }
  s->head = s->tail = NULL;
}

/* Lets go of a stream's memory; the caller holds the engine's lock. */
static void release(engine_t *e, stream_t *s) {
  s->in_use = 0;
  free(s->loop);
  s->loop = NULL;
  free_pieces(s);
  e->active--;
}

static void played(engine_t *e, uint32_t token) {
  if (e->played_len == e->played_cap) {
    size_t cap = e->played_cap ? e->played_cap * 2 : 256;
    uint32_t *grown = realloc(e->played, cap * sizeof *grown);
    if (!grown) return; /* JavaScript learns of the piece when it takes the stream back (headToken) */
    e->played = grown;
    e->played_cap = cap;
  }
  e->played[e->played_len++] = token;
}

/* Builds the stream's next packet into `out` and moves the stream on; the caller holds the lock. */
static void next_frame(engine_t *e, stream_t *s, outgoing_t *out) {
  uint8_t *pkt = out->pkt;
  pkt[0] = 0x80;
  pkt[1] = (uint8_t)((s->marker ? 0x80 : 0) | s->pt);
  pkt[2] = (uint8_t)(s->seq >> 8);
  pkt[3] = (uint8_t)s->seq;
  pkt[4] = (uint8_t)(s->ts >> 24);
  pkt[5] = (uint8_t)(s->ts >> 16);
  pkt[6] = (uint8_t)(s->ts >> 8);
  pkt[7] = (uint8_t)s->ts;
  pkt[8] = (uint8_t)(s->ssrc >> 24);
  pkt[9] = (uint8_t)(s->ssrc >> 16);
  pkt[10] = (uint8_t)(s->ssrc >> 8);
  pkt[11] = (uint8_t)s->ssrc;
  piece_t *p = s->head;
  if (p) {
    size_t n = p->len - p->pos < FRAME ? p->len - p->pos : FRAME;
    memcpy(pkt + 12, p->data + p->pos, n);
    if (n < FRAME) memset(pkt + 12 + n, s->silence, FRAME - n);
    p->pos += n;
    if (p->pos >= p->len) {
      s->head = p->next;
      if (!s->head) s->tail = NULL;
      played(e, p->token);
      free(p);
    }
  } else if (s->loop) {
    if (s->loop_pos + FRAME > s->loop_len) s->loop_pos = 0;
    memcpy(pkt + 12, s->loop + s->loop_pos, FRAME);
    s->loop_pos += FRAME;
  } else {
    memset(pkt + 12, s->silence, FRAME);
  }
  s->marker = 0;
  s->seq++;
  s->ts += FRAME;
  s->packets++;
  s->octets += FRAME;
  out->fd = s->fd;
  out->to_len = s->to_len;
  memcpy(&out->to, &s->to, s->to_len);
}

static void *run(void *arg) {
  engine_t *e = arg;
  /* On a busy core the thread competes with the event loop (SIP, webhooks, the store). Telephony servers
     give their media threads priority (Asterisk's -p, FreeSWITCH's -rp); a lower nice value does that
     without a real-time class, which could starve the rest of the process. At 2,000 calls on one core it
     kept send jitter p99 at 4.9 ms against 62 ms without it (docs/benchmarks.md). Raising it needs
     CAP_SYS_NICE: where that is missing the thread stays at the process's priority, and idleThread says so. */
  id_t tid = (id_t)syscall(SYS_gettid);
  int raised = e->want_nice != 0 && setpriority(PRIO_PROCESS, tid, e->want_nice) == 0;
  errno = 0;
  int nice_now = getpriority(PRIO_PROCESS, tid);
  pthread_mutex_lock(&e->mu);
  e->raised = raised;
  e->nice_now = errno == 0 ? nice_now : 0;
  e->prio_known = 1;
  pthread_cond_broadcast(&e->sent_cv);
  while (!e->quit) {
    if (e->active == 0) {
      pthread_cond_wait(&e->cv, &e->mu);
      continue;
    }
    int64_t now = now_ns();
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < e->cap; i++) {
      stream_t *s = &e->streams[i];
      if (!s->in_use) continue;
      if (s->due <= now + EARLY_NS) {
        if (now - s->due > MAX_CATCH_UP_NS) s->due += ((now - s->due) / INTERVAL_NS) * INTERVAL_NS;
        while (s->due <= now + EARLY_NS) {
          outgoing_t out;
          next_frame(e, s, &out);
          s->due += INTERVAL_NS;
          /* The send, a few microseconds of the kernel's work each, goes out without the lock: JavaScript's
             calls (a piece queued, counts read, a stream handed over) then never wait for a whole batch,
             which at 2,000 streams on one core took milliseconds. */
          e->sending = (ptrdiff_t)i;
          pthread_mutex_unlock(&e->mu);
          int failed = sendto(out.fd, out.pkt, sizeof out.pkt, MSG_DONTWAIT, (const struct sockaddr *)&out.to, out.to_len) < 0;
          pthread_mutex_lock(&e->mu);
          e->sending = -1;
          if (e->stop_waiting) pthread_cond_broadcast(&e->sent_cv);
          s = &e->streams[i]; /* idleStart may have grown the array meanwhile; idleStop waited for this one */
          if (failed) s->errors++;
        }
      }
      if (s->due < next) next = s->due;
    }
    struct timespec t = { (time_t)(next / 1000000000LL), (long)(next % 1000000000LL) };
    pthread_cond_timedwait(&e->cv, &e->mu, &t); /* idleStart signals when it adds an earlier deadline */
  }
  pthread_mutex_unlock(&e->mu);
  return NULL;
}

static void engine_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  engine_t *e = data;
  pthread_mutex_lock(&e->mu);
  e->quit = 1;
  pthread_cond_signal(&e->cv);
  pthread_mutex_unlock(&e->mu);
  if (e->started) pthread_join(e->thread, NULL);
  for (size_t i = 0; i < e->cap; i++) {
    free(e->streams[i].loop);
    free_pieces(&e->streams[i]);
  }
  free(e->streams);
  free(e->played);
  pthread_cond_destroy(&e->cv);
  pthread_cond_destroy(&e->sent_cv);
  pthread_mutex_destroy(&e->mu);
  free(e);
}

napi_status idle_init(napi_env env) {
  engine_t *e = calloc(1, sizeof *e);
  if (!e) return napi_generic_failure;
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&e->cv, &attr);
  pthread_condattr_destroy(&attr);
  pthread_cond_init(&e->sent_cv, NULL);
  pthread_mutex_init(&e->mu, NULL);
  e->sending = -1;
  return napi_set_instance_data(env, e, engine_free, NULL);
}

#define THROW(env, msg) do { napi_throw_type_error((env), NULL, (msg)); return NULL; } while (0)

/* Starts the thread once; the caller holds the lock. */
static int start_thread(engine_t *e) {
  if (e->started) return 1;
  if (pthread_create(&e->thread, NULL, run, e) != 0) return 0;
  e->started = 1;
  return 1;
}

static engine_t *engine(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return data;
}

napi_value idle_start(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 11) THROW(env, "idleStart(fd, to, pt, ssrc, seq, ts, marker, silence, loop, loopPos, firstDueNs)");
  int32_t fd;
  uint32_t pt, ssrc, seq, ts, silence, loop_pos;
  bool marker;
  double first_due;
  void *to = NULL;
  size_t to_len = 0;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) THROW(env, "fd must be a descriptor");
  if (napi_get_buffer_info(env, argv[1], &to, &to_len) != napi_ok || to_len > sizeof(struct sockaddr_storage) || to_len < sizeof(sa_family_t)) THROW(env, "to must come from sockaddr()");
  if (napi_get_value_uint32(env, argv[2], &pt) != napi_ok || pt > 127) THROW(env, "pt must be 0-127");
  if (napi_get_value_uint32(env, argv[3], &ssrc) != napi_ok) THROW(env, "ssrc must be a number");
  if (napi_get_value_uint32(env, argv[4], &seq) != napi_ok || seq > 0xffff) THROW(env, "seq must be 0-65535");
  if (napi_get_value_uint32(env, argv[5], &ts) != napi_ok) THROW(env, "ts must be a number");
  if (napi_get_value_bool(env, argv[6], &marker) != napi_ok) THROW(env, "marker must be a boolean");
  if (napi_get_value_uint32(env, argv[7], &silence) != napi_ok || silence > 255) THROW(env, "silence must be a byte");
  uint8_t *loop = NULL;
  size_t loop_len = 0;
  napi_valuetype t;
  napi_typeof(env, argv[8], &t);
  if (t != napi_null) {
    void *data;
    napi_typedarray_type type;
    napi_value ab;
    size_t off;
    if (napi_get_typedarray_info(env, argv[8], &type, &loop_len, &data, &ab, &off) != napi_ok || type != napi_uint8_array) THROW(env, "loop must be a Uint8Array or null");
    if (loop_len < FRAME || loop_len % FRAME != 0) THROW(env, "loop must be whole 20 ms frames");
    loop = malloc(loop_len);
    if (!loop) THROW(env, "out of memory");
    memcpy(loop, data, loop_len);
  }
  if (napi_get_value_uint32(env, argv[9], &loop_pos) != napi_ok || (loop && loop_pos > loop_len)) {
    free(loop);
    THROW(env, "loopPos is past the loop's end");
  }
  if (napi_get_value_double(env, argv[10], &first_due) != napi_ok) {
    free(loop);
    THROW(env, "firstDueNs must be a number");
  }
  engine_t *e = engine(env);
  pthread_mutex_lock(&e->mu);
  size_t id = 0;
  while (id < e->cap && e->streams[id].in_use) id++;
  if (id == e->cap) {
    size_t cap = e->cap ? e->cap * 2 : 64;
    stream_t *grown = realloc(e->streams, cap * sizeof *grown);
    if (!grown) {
      pthread_mutex_unlock(&e->mu);
      free(loop);
      THROW(env, "out of memory");
    }
    memset(grown + e->cap, 0, (cap - e->cap) * sizeof *grown);
    e->streams = grown;
    e->cap = cap;
  }
  stream_t *s = &e->streams[id];
  memset(s, 0, sizeof *s);
  s->in_use = 1;
  s->fd = fd;
  memcpy(&s->to, to, to_len);
  s->to_len = (socklen_t)to_len;
  s->pt = (uint8_t)pt;
  s->ssrc = ssrc;
  s->seq = (uint16_t)seq;
  s->ts = ts;
  s->marker = marker;
  s->silence = (uint8_t)silence;
  s->loop = loop;
  s->loop_len = loop_len;
  s->loop_pos = loop_pos;
  s->due = (int64_t)first_due;
  e->active++;
  int ok = start_thread(e);
  if (!ok) release(e, s);
  pthread_cond_signal(&e->cv);
  pthread_mutex_unlock(&e->mu);
  if (!ok) {
    napi_throw_error(env, NULL, "the idle stream thread could not be started");
    return NULL;
  }
  napi_value result;
  napi_create_uint32(env, (uint32_t)id, &result);
  return result;
}

#define REPORT 10
/* [seq, ts, marker, packets, octets, errors, loopPos, dueNs, headToken, headPos] of stream `id`; with `stop`,
   the thread lets it go. */
static napi_value report(napi_env env, napi_callback_info info, int stop) {
  size_t argc = 1;
  napi_value argv[1];
  uint32_t id;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_uint32(env, argv[0], &id) != napi_ok) THROW(env, "expected a stream id");
  engine_t *e = engine(env);
  double v[REPORT];
  pthread_mutex_lock(&e->mu);
  if (id >= e->cap || !e->streams[id].in_use) {
    pthread_mutex_unlock(&e->mu);
    THROW(env, "no such idle stream");
  }
  while (stop && e->sending == (ptrdiff_t)id) { /* its packet is on its way: let it go before the socket may close */
    e->stop_waiting++;
    pthread_cond_wait(&e->sent_cv, &e->mu);
    e->stop_waiting--;
  }
  stream_t *s = &e->streams[id];
  v[0] = s->seq;
  v[1] = s->ts;
  v[2] = s->marker;
  v[3] = s->packets;
  v[4] = s->octets;
  v[5] = s->errors;
  v[6] = (double)s->loop_pos;
  v[7] = (double)s->due;
  v[8] = s->head ? s->head->token : 0;
  v[9] = s->head ? (double)s->head->pos : 0;
  if (stop) release(e, s);
  pthread_mutex_unlock(&e->mu);
  napi_value arr, x;
  napi_create_array_with_length(env, REPORT, &arr);
  for (uint32_t i = 0; i < REPORT; i++) {
    napi_create_double(env, v[i], &x);
    napi_set_element(env, arr, i, x);
  }
  return arr;
}

napi_value idle_stop(napi_env env, napi_callback_info info) {
  return report(env, info, 1);
}

napi_value idle_peek(napi_env env, napi_callback_info info) {
  return report(env, info, 0);
}

napi_value idle_queue(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  uint32_t id, token;
  void *data;
  size_t len;
  napi_typedarray_type type;
  napi_value ab;
  size_t off;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3) THROW(env, "idleQueue(id, token, piece)");
  if (napi_get_value_uint32(env, argv[0], &id) != napi_ok) THROW(env, "expected a stream id");
  if (napi_get_value_uint32(env, argv[1], &token) != napi_ok || token == 0) THROW(env, "token must be a number above 0");
  if (napi_get_typedarray_info(env, argv[2], &type, &len, &data, &ab, &off) != napi_ok || type != napi_uint8_array || len == 0) THROW(env, "piece must be a Uint8Array of audio");
  piece_t *p = malloc(sizeof *p + len);
  if (!p) THROW(env, "out of memory");
  p->next = NULL;
  p->token = token;
  p->len = len;
  p->pos = 0;
  memcpy(p->data, data, len);
  engine_t *e = engine(env);
  pthread_mutex_lock(&e->mu);
  if (id >= e->cap || !e->streams[id].in_use) {
    pthread_mutex_unlock(&e->mu);
    free(p);
    THROW(env, "no such idle stream");
  }
  stream_t *s = &e->streams[id];
  if (s->tail) s->tail->next = p;
  else s->head = p;
  s->tail = p;
  pthread_mutex_unlock(&e->mu);
  return NULL;
}

napi_value idle_drain(napi_env env, napi_callback_info info) {
  (void)info;
  engine_t *e = engine(env);
  napi_value arr, x;
  pthread_mutex_lock(&e->mu);
  size_t n = e->played_len;
  napi_create_array_with_length(env, n, &arr);
  for (size_t i = 0; i < n; i++) {
    napi_create_uint32(env, e->played[i], &x);
    napi_set_element(env, arr, (uint32_t)i, x);
  }
  e->played_len = 0;
  pthread_mutex_unlock(&e->mu);
  return arr;
}

/* idleThread(nice): starts the thread now, asking for `nice` (-20..0; 0: the process's priority) if it is
   not running yet, and answers [nice it runs at, 1 if it was raised as asked]. */
napi_value idle_thread(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t nice;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_int32(env, argv[0], &nice) != napi_ok || nice < -20 || nice > 0) THROW(env, "idleThread(nice) takes -20 to 0");
  engine_t *e = engine(env);
  pthread_mutex_lock(&e->mu);
  if (!e->started) e->want_nice = nice;
  if (!start_thread(e)) {
    pthread_mutex_unlock(&e->mu);
    napi_throw_error(env, NULL, "the RTP thread could not be started");
    return NULL;
  }
  while (!e->prio_known) pthread_cond_wait(&e->sent_cv, &e->mu);
  int v[2] = { e->nice_now, e->raised };
  pthread_mutex_unlock(&e->mu);
  napi_value arr, x;
  napi_create_array_with_length(env, 2, &arr);
  for (uint32_t i = 0; i < 2; i++) {
    napi_create_int32(env, v[i], &x);
    napi_set_element(env, arr, i, x);
  }
  return arr;
}
