{
  "targets": [
    {
      "target_name": "native_sender",
      "sources": ["sender.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "libraries": ["-lpthread"]
    }
  ]
}
