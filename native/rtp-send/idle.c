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
 *   idleRetarget(id, to): the stream's packets go to `to` (from sockaddr()) from the next one on
 *   idleClear(id): drops the pieces queued on the stream (a prompt cut short); the stream goes on with its
 *       loop or silence, and the pieces are not reported as played
 *   idleDrain(): the tokens of the pieces played to their end since the last call
 *   idleThread(nice, realtimePct): starts the thread, at a raised priority and in the real-time class within
 *       a share of a core, where allowed (sched.c): [nice it runs at, raised 0/1, real-time class 0/1]
 *   idleSched(): [real-time class now 0/1, times it stepped down over its share, its CPU seconds]
 */
#include "idle.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define THROW(env, msg) do { napi_throw_type_error((env), NULL, (msg)); return NULL; } while (0)

static engine_t *engine(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return data;
}

/* The stream `v` names, with its engine locked (in *out); NULL, nothing locked and an exception pending
   when `v` names none. */
static stream_t *lock_stream(napi_env env, napi_value v, engine_t **out) {
  uint32_t id;
  if (napi_get_value_uint32(env, v, &id) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a stream id");
    return NULL;
  }
  engine_t *e = engine(env);
  pthread_mutex_lock(&e->mu);
  if (id < e->cap && e->streams[id].in_use) {
    *out = e;
    return &e->streams[id];
  }
  pthread_mutex_unlock(&e->mu);
  napi_throw_type_error(env, NULL, "no such idle stream");
  return NULL;
}

/* lock_stream for the functions whose one argument is the stream id. */
static stream_t *lock_stream_arg(napi_env env, napi_callback_info info, engine_t **out) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) {
    napi_throw_type_error(env, NULL, "expected a stream id");
    return NULL;
  }
  return lock_stream(env, argv[0], out);
}

/* A destination sockaddr() built; 0 and an exception pending when `v` is none. */
static int destination(napi_env env, napi_value v, void **to, size_t *len) {
  if (napi_get_buffer_info(env, v, to, len) == napi_ok && *len <= sizeof(struct sockaddr_storage) && *len >= sizeof(sa_family_t)) return 1;
  napi_throw_type_error(env, NULL, "to must come from sockaddr()");
  return 0;
}

static napi_value numbers(napi_env env, const double *v, uint32_t n) {
  napi_value arr, x;
  napi_create_array_with_length(env, n, &arr);
  for (uint32_t i = 0; i < n; i++) {
    napi_create_double(env, v[i], &x);
    napi_set_element(env, arr, i, x);
  }
  return arr;
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
  if (!destination(env, argv[1], &to, &to_len)) return NULL;
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
  int ok = idle_start_thread(e);
  if (!ok) idle_release(e, s);
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
  engine_t *e;
  stream_t *s = lock_stream_arg(env, info, &e);
  if (!s) return NULL;
  ptrdiff_t id = s - e->streams;
  while (stop && e->sending == id) { /* its packet is on its way: let it go before the socket may close */
    e->stop_waiting++;
    pthread_cond_wait(&e->sent_cv, &e->mu);
    e->stop_waiting--;
  }
  double v[REPORT];
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
  if (stop) idle_release(e, s);
  pthread_mutex_unlock(&e->mu);
  return numbers(env, v, REPORT);
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
  uint32_t token;
  void *data;
  size_t len;
  napi_typedarray_type type;
  napi_value ab;
  size_t off;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3) THROW(env, "idleQueue(id, token, piece)");
  if (napi_get_value_uint32(env, argv[1], &token) != napi_ok || token == 0) THROW(env, "token must be a number above 0");
  if (napi_get_typedarray_info(env, argv[2], &type, &len, &data, &ab, &off) != napi_ok || type != napi_uint8_array || len == 0) THROW(env, "piece must be a Uint8Array of audio");
  piece_t *p = malloc(sizeof *p + len);
  if (!p) THROW(env, "out of memory");
  p->next = NULL;
  p->token = token;
  p->len = len;
  p->pos = 0;
  memcpy(p->data, data, len);
  engine_t *e;
  stream_t *s = lock_stream(env, argv[0], &e);
  if (!s) {
    free(p);
    return NULL;
  }
  if (s->tail) s->tail->next = p;
  else s->head = p;
  s->tail = p;
  pthread_mutex_unlock(&e->mu);
  return NULL;
}

napi_value idle_retarget(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  void *to = NULL;
  size_t to_len = 0;
  engine_t *e;
  stream_t *s;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) THROW(env, "idleRetarget(id, to)");
  if (!destination(env, argv[1], &to, &to_len) || !(s = lock_stream(env, argv[0], &e))) return NULL;
  memcpy(&s->to, to, to_len);
  s->to_len = (socklen_t)to_len;
  pthread_mutex_unlock(&e->mu);
  return NULL;
}

napi_value idle_clear(napi_env env, napi_callback_info info) {
  engine_t *e;
  stream_t *s = lock_stream_arg(env, info, &e);
  if (!s) return NULL;
  idle_free_pieces(s);
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

/* idleThread(nice, realtimePct): starts the thread now, asking for `nice` (-20..0; 0: the process's priority)
   and for the real-time class while it uses at most realtimePct (0..95; 0: never) percent of a core, if it is
   not running yet. Answers [nice it runs at, 1 if it was raised as asked, 1 if it has the real-time class]. */
napi_value idle_thread(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t nice, pct;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 || napi_get_value_int32(env, argv[0], &nice) != napi_ok || nice < -20 || nice > 0 || napi_get_value_int32(env, argv[1], &pct) != napi_ok || pct < 0 || pct > 95) THROW(env, "idleThread(nice, realtimePct) takes -20 to 0 and 0 to 95");
  engine_t *e = engine(env);
  pthread_mutex_lock(&e->mu);
  if (!e->started) {
    e->sched.want_nice = nice;
    e->sched.cap_pct = pct;
  }
  if (!idle_start_thread(e)) {
    pthread_mutex_unlock(&e->mu);
    napi_throw_error(env, NULL, "the RTP thread could not be started");
    return NULL;
  }
  while (!e->sched.known) pthread_cond_wait(&e->sent_cv, &e->mu);
  double v[3] = { e->sched.nice_now, e->sched.raised, e->sched.realtime_allowed };
  pthread_mutex_unlock(&e->mu);
  return numbers(env, v, 3);
}

/* idleSched(): [1 if the thread is in the real-time class now, how often it stepped down over its share,
   the CPU seconds it used]; [0, 0, 0] before it started. */
napi_value idle_sched(napi_env env, napi_callback_info info) {
  (void)info;
  engine_t *e = engine(env);
  double v[3] = { 0, 0, 0 };
  pthread_mutex_lock(&e->mu);
  if (e->started && e->sched.known) {
    clockid_t id;
    struct timespec t;
    v[0] = e->sched.realtime;
    v[1] = e->sched.stepdowns;
    if (pthread_getcpuclockid(e->thread, &id) == 0 && clock_gettime(id, &t) == 0) v[2] = (double)t.tv_sec + (double)t.tv_nsec / 1e9;
  }
  pthread_mutex_unlock(&e->mu);
  return numbers(env, v, 3);
}
