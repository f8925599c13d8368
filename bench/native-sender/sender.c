/*
 * Experiment for issue 14 (bench/media-thread.ts --modes native): RTP frames sent from a native thread
 * that owns the pacing, instead of from JavaScript on the event loop. Each stream is an fd of a socket
 * Node already bound (so the far end sees the same source port it latched on) and a looped payload.
 * The thread wakes on absolute deadlines (clock_nanosleep TIMER_ABSTIME), one sub-tick every
 * interval/slots, and sends each due stream's packet with one sendto: no JavaScript, no allocation.
 * Not product code: only what the measurement needs.
 */
#include <node_api.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define FRAME 160
#define SLOTS 10
#define INTERVAL_NS 20000000LL

typedef struct {
  int fd;
  struct sockaddr_in dest;
  uint32_t ssrc, ts;
  uint16_t seq;
  uint8_t pt, marker;
  uint8_t *audio;
  size_t audio_len, pos;
} stream_t;

static stream_t *streams;
static size_t nstreams, cap;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_t thr;
static volatile int running;
static uint64_t sent, errors, late_over_1ms;

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void send_one(stream_t *s) {
  uint8_t pkt[12 + FRAME];
  pkt[0] = 0x80;
  pkt[1] = (uint8_t)((s->marker ? 0x80 : 0) | s->pt);
  s->marker = 0;
  pkt[2] = (uint8_t)(s->seq >> 8); pkt[3] = (uint8_t)s->seq;
  pkt[4] = (uint8_t)(s->ts >> 24); pkt[5] = (uint8_t)(s->ts >> 16); pkt[6] = (uint8_t)(s->ts >> 8); pkt[7] = (uint8_t)s->ts;
  pkt[8] = (uint8_t)(s->ssrc >> 24); pkt[9] = (uint8_t)(s->ssrc >> 16); pkt[10] = (uint8_t)(s->ssrc >> 8); pkt[11] = (uint8_t)s->ssrc;
  for (size_t i = 0; i < FRAME; i++) {
    pkt[12 + i] = s->audio[s->pos];
    if (++s->pos == s->audio_len) s->pos = 0;
  }
  if (sendto(s->fd, pkt, sizeof pkt, MSG_DONTWAIT, (struct sockaddr *)&s->dest, sizeof s->dest) < 0) errors++;
  else sent++;
  s->seq++;
  s->ts += FRAME;
}

static void *loop(void *arg) {
  (void)arg;
  int64_t start = now_ns();
  uint64_t n = 0;
  while (running) {
    int64_t due = start + (int64_t)n * (INTERVAL_NS / SLOTS);
    struct timespec t = { (time_t)(due / 1000000000LL), (long)(due % 1000000000LL) };
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
    if (now_ns() - due > 1000000LL) late_over_1ms++;
    size_t slot = n % SLOTS;
    pthread_mutex_lock(&mu);
    for (size_t i = slot; i < nstreams; i += SLOTS) send_one(&streams[i]);
    pthread_mutex_unlock(&mu);
    n++;
  }
  return NULL;
}

/* add(fd, address, port, ssrc, pt, payload: Uint8Array) */
static napi_value add(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd, port; uint32_t ssrc, pt;
  char addr[64]; size_t addr_len;
  napi_get_value_int32(env, argv[0], &fd);
  napi_get_value_string_utf8(env, argv[1], addr, sizeof addr, &addr_len);
  napi_get_value_int32(env, argv[2], &port);
  napi_get_value_uint32(env, argv[3], &ssrc);
  napi_get_value_uint32(env, argv[4], &pt);
  void *data; size_t len; napi_typedarray_type type; napi_value ab; size_t off;
  napi_get_typedarray_info(env, argv[5], &type, &len, &data, &ab, &off);
  if (len == 0) { napi_throw_error(env, NULL, "empty payload"); return NULL; }
  pthread_mutex_lock(&mu);
  if (nstreams == cap) {
    cap = cap ? cap * 2 : 64;
    streams = realloc(streams, cap * sizeof *streams);
  }
  stream_t *s = &streams[nstreams++];
  memset(s, 0, sizeof *s);
  s->fd = fd;
  s->dest.sin_family = AF_INET;
  s->dest.sin_port = htons((uint16_t)port);
  inet_pton(AF_INET, addr, &s->dest.sin_addr);
  s->ssrc = ssrc; s->pt = (uint8_t)pt; s->marker = 1;
  s->audio = malloc(len); memcpy(s->audio, data, len); s->audio_len = len;
  pthread_mutex_unlock(&mu);
  return NULL;
}

static napi_value start(napi_env env, napi_callback_info info) {
  (void)info;
  if (!running) {
    running = 1;
    if (pthread_create(&thr, NULL, loop, NULL) != 0) { running = 0; napi_throw_error(env, NULL, "pthread_create failed"); }
  }
  return NULL;
}

static napi_value stop(napi_env env, napi_callback_info info) {
  (void)info;
  if (running) { running = 0; pthread_join(thr, NULL); }
  pthread_mutex_lock(&mu);
  for (size_t i = 0; i < nstreams; i++) free(streams[i].audio);
  nstreams = 0;
  pthread_mutex_unlock(&mu);
  napi_value o, v;
  napi_create_object(env, &o);
  napi_create_double(env, (double)sent, &v); napi_set_named_property(env, o, "sent", v);
  napi_create_double(env, (double)errors, &v); napi_set_named_property(env, o, "errors", v);
  napi_create_double(env, (double)late_over_1ms, &v); napi_set_named_property(env, o, "late_over_1ms", v);
  return o;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "add", NULL, add, NULL, NULL, NULL, napi_default, NULL },
    { "start", NULL, start, NULL, NULL, NULL, napi_default, NULL },
    { "stop", NULL, stop, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, 3, props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
