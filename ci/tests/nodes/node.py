"""A small Maelstrom node in Python, shaped like the `node.rb` of Maelstrom's guide:
handlers registered by message type, replies, sends, a log on stderr, and periodic
tasks started once the node is initialized. The guide's nodes in this folder use it.
"""
import json
import sys
import threading
import time


class Node:
    def __init__(self):
        self.node_id = None
        self.node_ids = []
        self.handlers = {}
        self.periodic_tasks = []
        # Held while a handler or a periodic task runs: they may share state freely.
        self.lock = threading.RLock()
        self.out_lock = threading.Lock()
        self.on("init", self._init)

    def _init(self, msg):
        self.node_id = msg["body"]["node_id"]
        self.node_ids = msg["body"]["node_ids"]
        self.reply(msg, {"type": "init_ok"})
        self.log(f"Node {self.node_id} initialized")
        for dt, task in self.periodic_tasks:
            threading.Thread(target=self._every, args=(dt, task), daemon=True).start()

    def _every(self, dt, task):
        while True:
            with self.lock:
                task()
            time.sleep(dt)

    def on(self, kind, handler):
        self.handlers[kind] = handler

    def every(self, dt, task):
        """Runs `task` every `dt` seconds, with the node lock held, once initialized."""
        self.periodic_tasks.append((dt, task))

    def log(self, text):
        with self.out_lock:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()

    def send(self, dest, body):
        line = json.dumps({"src": self.node_id, "dest": dest, "body": body})
        with self.out_lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def reply(self, msg, body):
        body["in_reply_to"] = msg["body"]["msg_id"]
        self.send(msg["src"], body)

    def main(self):
        for line in sys.stdin:
            msg = json.loads(line)
            handler = self.handlers.get(msg["body"]["type"])
            if handler is None:
                self.log(f"No handler for {msg}")
                continue
            with self.lock:
                handler(msg)
