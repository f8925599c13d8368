/*
 * The scheduling of the addon's thread: a nice value below the process's, and the real-time class while the
 * thread uses at most a share of a core.
 *
 * Why real-time: a nice value weights the scheduler's choice but does not make the thread's turn immediate.
 * On one core shared with the event loop, frames still went out up to 4 ms late at moments, a p99 of 2.1-2.8 ms
 * at 200 calls where one timer per call gets 1.5-2.3. In SCHED_FIFO the thread runs as soon as its deadline
 * falls due: p99 0.3-0.8 ms at 200 calls, 0.9-1.0 at 1,000 (docs/benchmarks.md "The real-time class").
 * Telephony servers give their media threads that class for the same reason (Asterisk's -p, FreeSWITCH's -rp).
 *
 * Why a cap: a real-time thread always wins the core. When the audio alone needs most of it (an overload),
 * SIP, webhooks and the store would get only what it leaves, and a fault that kept the thread busy would
 * leave them the kernel's 5 %. Above its share the thread steps down to the normal class (keeping its nice
 * value) and shares the core by weight; it steps up again once its use falls to four fifths of the share.
 * The share is measured over windows of 200 ms of the thread's own CPU clock.
 *
 * Priority 1, the lowest real-time one: the kernel's own real-time threads, and any other real-time program
 * on the machine, still come first.
 */
#include "idle.h"
#include <errno.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define WINDOW_NS 200000000LL

static int64_t thread_cpu_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Moving between the classes keeps the thread's nice value: the kernel reads it back into the normal class. */
static int set_realtime(int on) {
  struct sched_param p = { .sched_priority = on ? 1 : 0 };
  return pthread_setschedparam(pthread_self(), on ? SCHED_FIFO : SCHED_OTHER, &p) == 0;
}

void sched_begin(sched_state_t *s, int64_t now) {
  id_t tid = (id_t)syscall(SYS_gettid);
  s->raised = s->want_nice != 0 && setpriority(PRIO_PROCESS, tid, s->want_nice) == 0;
  errno = 0;
  int nice_now = getpriority(PRIO_PROCESS, tid);
  s->nice_now = errno == 0 ? nice_now : 0;
  s->realtime = s->realtime_allowed = s->cap_pct > 0 && set_realtime(1);
  s->window_start = now;
  s->window_cpu = thread_cpu_ns();
  s->known = 1;
}

void sched_check(sched_state_t *s, int64_t now) {
  if (!s->realtime_allowed || now - s->window_start < WINDOW_NS) return;
  int64_t cpu = thread_cpu_ns();
  int64_t pct = (cpu - s->window_cpu) * 100 / (now - s->window_start);
  s->window_start = now;
  s->window_cpu = cpu;
  if (s->realtime && pct > s->cap_pct) {
    if (set_realtime(0)) {
      s->realtime = 0;
      s->stepdowns++;
    }
  } else if (!s->realtime && pct * 5 <= (int64_t)s->cap_pct * 4) {
    if (set_realtime(1)) s->realtime = 1;
  }
}
