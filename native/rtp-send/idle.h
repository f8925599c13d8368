/* What the two halves of the addon's thread share: native/rtp-send/engine.c runs the thread, idle.c is its
   Node-API face. See idle.c for what it does and why. */
#ifndef RTP_SEND_IDLE_H
#define RTP_SEND_IDLE_H
#include <node_api.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

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

/* The thread's scheduling (sched.c); the engine's lock guards it. */
typedef struct {
  /* Asked for (idleThread): a nice value (-20..0; 0: the process's), and the share of a core in percent up to
     which the thread runs in the real-time class (0: never). */
  int want_nice, cap_pct;
  /* Whether the nice value could be set and the one it runs at; whether the real-time class could be had
     at the start and whether the thread is in it now; how often it stepped down over its share. */
  int raised, nice_now, realtime_allowed, realtime;
  double stepdowns;
  int64_t window_start, window_cpu;
  int known; /* the thread has set all this (it sets its own scheduling) */
} sched_state_t;

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
  sched_state_t sched;
  pthread_cond_t sent_cv;
} engine_t;

/* A packet built under the lock, sent after it is released. */
typedef struct {
  int fd;
  struct sockaddr_storage to;
  socklen_t to_len;
  uint8_t pkt[12 + FRAME];
} outgoing_t;

/* Drops the pieces queued on a stream; the caller holds the engine's lock. */
void idle_free_pieces(stream_t *s);
/* Lets go of a stream's memory; the caller holds the engine's lock. */
void idle_release(engine_t *e, stream_t *s);
/* Starts the thread once; the caller holds the lock. 0 when it could not be started. */
int idle_start_thread(engine_t *e);
napi_status idle_init(napi_env env);
/* Run by the thread: sets its own scheduling as asked, at the start, and steps between the classes as its
   share of a core goes over the cap and back (at most once per window). */
void sched_begin(sched_state_t *s, int64_t now);
void sched_check(sched_state_t *s, int64_t now);

#endif
