#!/usr/bin/env python3
"""The first step of Maelstrom's Raft guide (doc/06-raft/01-key-value.md): a key-value
store on a single node. A state machine applies read, write and cas requests to a map;
the node answers each request with what the state machine returns."""
import json
import sys
import threading


class KeyValueMap:
    """An immutable map: applying an operation gives a new map and a reply body."""

    def __init__(self, entries=None):
        self.entries = entries or {}

    def apply(self, op):
        key = json.dumps(op["key"])
        kind = op["type"]
        if kind == "write":
            return KeyValueMap({**self.entries, key: op["value"]}), {"type": "write_ok"}
        if key not in self.entries:
            return self, error(20, "not found")
        current = self.entries[key]
        if kind == "read":
            return self, {"type": "read_ok", "value": current}
        if current != op["from"]:
            return self, error(22, f"expected {op['from']}, but had {current}")
        return KeyValueMap({**self.entries, key: op["to"]}), {"type": "cas_ok"}


def error(code, text):
    return {"type": "error", "code": code, "text": text}


class Server:
    def __init__(self):
        self.node_id = None
        self.lock = threading.Lock()
        self.state_machine = KeyValueMap()

    def reply(self, request, body):
        body["in_reply_to"] = request["body"]["msg_id"]
        message = {"src": self.node_id, "dest": request["src"], "body": body}
        print(json.dumps(message), flush=True)

    def handle(self, request):
        body = request["body"]
        if body["type"] == "init":
            self.node_id = body["node_id"]
            self.reply(request, {"type": "init_ok"})
        elif body["type"] in ("read", "write", "cas"):
            with self.lock:
                self.state_machine, result = self.state_machine.apply(body)
                self.reply(request, result)


server = Server()
for line in sys.stdin:
    server.handle(json.loads(line))
