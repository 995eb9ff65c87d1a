#!/usr/bin/env python3
"""A correct echo node in Python: any language that reads and writes lines works."""
import json
import sys

for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    if body["type"] == "init":
        reply = {"type": "init_ok"}
    elif body["type"] == "echo":
        reply = {"type": "echo_ok", "echo": body["echo"]}
    else:
        continue
    reply["in_reply_to"] = body["msg_id"]
    print(json.dumps({"src": msg["dest"], "dest": msg["src"], "body": reply}), flush=True)
