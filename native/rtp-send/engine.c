/*
 * The thread of the addon (one per Node environment): it sends every stream's frames on absolute deadlines,
 * under the engine's lock only while it builds a packet. The Node-API functions that hand streams over and
 * take them back are in idle.c.
 */
#include "idle.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

void idle_free_pieces(stream_t *s) {
  for (piece_t *p = s->head, *next; p; p = next) {
    next = p->next;
    free(p);
  }
  s->head = s->tail = NULL;
}

/* Lets go of a stream's memory; the caller holds the engine's lock. */
void idle_release(engine_t *e, stream_t *s) {
  s->in_use = 0;
  free(s->loop);
  s->loop = NULL;
  idle_free_pieces(s);
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
  /* On a busy core the thread competes with the event loop (SIP, webhooks, the store): it takes a nice value
     below the process's and the real-time class, within a share of the core (sched.c). Both need
     CAP_SYS_NICE; where that is missing the thread stays at the process's priority, and idleThread says so. */
  pthread_mutex_lock(&e->mu);
  sched_begin(&e->sched, now_ns());
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
    sched_check(&e->sched, now);
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
    idle_free_pieces(&e->streams[i]);
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
  /* Priority inheritance: JavaScript's calls hold the lock for microseconds, but a real-time thread waiting
     for it should not also wait for whatever else the scheduler runs before the holder finishes. */
  pthread_mutexattr_t mattr;
  pthread_mutexattr_init(&mattr);
  pthread_mutexattr_setprotocol(&mattr, PTHREAD_PRIO_INHERIT);
  pthread_mutex_init(&e->mu, &mattr);
  pthread_mutexattr_destroy(&mattr);
  e->sending = -1;
  return napi_set_instance_data(env, e, engine_free, NULL);
}

/* Starts the thread once; the caller holds the lock. */
int idle_start_thread(engine_t *e) {
  if (e->started) return 1;
  if (pthread_create(&e->thread, NULL, run, e) != 0) return 0;
  e->started = 1;
  return 1;
}
