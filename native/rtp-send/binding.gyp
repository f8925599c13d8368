{
  "targets": [
    {
      "target_name": "rtp_send",
      "sources": ["rtp_send.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
