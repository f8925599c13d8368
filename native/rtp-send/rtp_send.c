/*
 * One sendto(2) per RTP packet on a socket Node's dgram already bound, called synchronously from
 * JavaScript (src/rtp/native-send.ts).
 *
 * Why hand-written: dgram's send() builds a list, a send request and a lookup callback for every packet
 * and goes through libuv's queue; with 50 packets a second per call that JavaScript and allocation was
 * most of the media plane's CPU (bench/media-thread.ts). No maintained npm package sends a datagram on an
 * existing dgram socket's fd.
 *
 *   sockaddr(address: string, port: number): Buffer      an IPv4 or IPv6 literal, built once per destination
 *   send(fd: number, packet: Uint8Array, length: number, to: Buffer): number
 *                                                         0, or the errno of a failed send (EAGAIN: the
 *                                                         kernel's buffer is full and the packet is dropped,
 *                                                         as a late RTP packet would be)
 *
 * And the idle streams (idle.c): while a call plays no prompt, its frames (silence or looped hold audio)
 * are paced and sent by a thread of this addon, so that most of a call's packets cost no JavaScript.
 */
#include <node_api.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#define THROW(env, msg) do { napi_throw_type_error((env), NULL, (msg)); return NULL; } while (0)

static napi_value make_sockaddr(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) THROW(env, "sockaddr(address, port)");
  char addr[INET6_ADDRSTRLEN + 1];
  size_t len = 0;
  int32_t port = 0;
  if (napi_get_value_string_utf8(env, argv[0], addr, sizeof addr, &len) != napi_ok) THROW(env, "address must be a string");
  if (napi_get_value_int32(env, argv[1], &port) != napi_ok || port < 0 || port > 65535) THROW(env, "port must be 0-65535");
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  size_t size;
  struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    size = sizeof *v4;
  } else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    size = sizeof *v6;
  } else THROW(env, "address is not an IP literal");
  void *data;
  napi_value buf;
  if (napi_create_buffer_copy(env, size, &ss, &data, &buf) != napi_ok) THROW(env, "out of memory");
  return buf;
}

static napi_value send_packet(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4) THROW(env, "send(fd, packet, length, to)");
  int32_t fd = -1;
  uint32_t length = 0;
  void *packet = NULL, *to = NULL;
  size_t packet_len = 0, to_len = 0;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) THROW(env, "fd must be a descriptor");
  if (napi_get_typedarray_info(env, argv[1], &type, &packet_len, &packet, &ab, &offset) != napi_ok || type != napi_uint8_array) THROW(env, "packet must be a Uint8Array");
  if (napi_get_value_uint32(env, argv[2], &length) != napi_ok || length > packet_len) THROW(env, "length is past the packet's end");
  if (napi_get_buffer_info(env, argv[3], &to, &to_len) != napi_ok || (to_len != sizeof(struct sockaddr_in) && to_len != sizeof(struct sockaddr_in6))) THROW(env, "to must come from sockaddr()");
  ssize_t n = sendto(fd, packet, length, MSG_DONTWAIT, (const struct sockaddr *)to, (socklen_t)to_len);
  napi_value result;
  napi_create_int32(env, n < 0 ? errno : 0, &result);
  return result;
}

napi_value idle_start(napi_env env, napi_callback_info info);
napi_value idle_stop(napi_env env, napi_callback_info info);
napi_value idle_peek(napi_env env, napi_callback_info info);
napi_value idle_queue(napi_env env, napi_callback_info info);
napi_value idle_drain(napi_env env, napi_callback_info info);
napi_value idle_clear(napi_env env, napi_callback_info info);
napi_value idle_retarget(napi_env env, napi_callback_info info);
napi_value idle_thread(napi_env env, napi_callback_info info);
napi_value idle_sched(napi_env env, napi_callback_info info);
napi_status idle_init(napi_env env);

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "sockaddr", NULL, make_sockaddr, NULL, NULL, NULL, napi_default, NULL },
    { "send", NULL, send_packet, NULL, NULL, NULL, napi_default, NULL },
    { "idleStart", NULL, idle_start, NULL, NULL, NULL, napi_default, NULL },
    { "idleStop", NULL, idle_stop, NULL, NULL, NULL, napi_default, NULL },
    { "idlePeek", NULL, idle_peek, NULL, NULL, NULL, napi_default, NULL },
    { "idleQueue", NULL, idle_queue, NULL, NULL, NULL, napi_default, NULL },
    { "idleDrain", NULL, idle_drain, NULL, NULL, NULL, napi_default, NULL },
    { "idleClear", NULL, idle_clear, NULL, NULL, NULL, napi_default, NULL },
    { "idleRetarget", NULL, idle_retarget, NULL, NULL, NULL, napi_default, NULL },
    { "idleThread", NULL, idle_thread, NULL, NULL, NULL, napi_default, NULL },
    { "idleSched", NULL, idle_sched, NULL, NULL, NULL, napi_default, NULL },
  };
  if (idle_init(env) != napi_ok) return NULL;
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
