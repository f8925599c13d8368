{
  "targets": [
    {
      "target_name": "rtp_send",
      "sources": ["rtp_send.c", "idle.c", "engine.c", "sched.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-pthread"],
      "libraries": ["-pthread"]
    }
  ]
}
