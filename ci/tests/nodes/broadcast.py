#!/usr/bin/env python3
"""A correct broadcast node in Python: any language that reads and writes lines works.

Each value a node learns goes on the list of every neighbour that may not have it, and
stays there until that neighbour acknowledges it. Every tick the node sends each
neighbour its whole list again, so a value lost to a partition goes through once the
partition heals. One thread: select() waits for input or for the next tick.
"""
import json
import os
import select
import sys
import time

TICK = 0.1  # seconds between two rounds of gossip

node_id = None
neighbours = []
values = set()
unacked = {}  # neighbour -> values it has not acknowledged yet


def send(dest, body):
    line = json.dumps({"src": node_id, "dest": dest, "body": body})
    sys.stdout.write(line + "\n")


def reply(msg, body):
    body["in_reply_to"] = msg["body"]["msg_id"]
    send(msg["src"], body)


def learn(new, source=None):
    for value in new:
        if value in values:
            continue
        values.add(value)
        for neighbour in neighbours:
            if neighbour != source:
                unacked[neighbour].add(value)


def handle(msg):
    global node_id, neighbours, unacked
    body = msg["body"]
    kind = body["type"]
    if kind == "init":
        node_id = body["node_id"]
        reply(msg, {"type": "init_ok"})
    elif kind == "topology":
        neighbours = body["topology"].get(node_id, [])
        unacked = {neighbour: set(values) for neighbour in neighbours}
        reply(msg, {"type": "topology_ok"})
    elif kind == "broadcast":
        learn([body["message"]])
        reply(msg, {"type": "broadcast_ok"})
    elif kind == "read":
        reply(msg, {"type": "read_ok", "messages": sorted(values)})
    elif kind == "gossip":
        learn(body["messages"], source=msg["src"])
        send(msg["src"], {"type": "gossip_ok", "messages": body["messages"]})
    elif kind == "gossip_ok":
        unacked.get(msg["src"], set()).difference_update(body["messages"])


def gossip():
    for neighbour, pending in unacked.items():
        if pending:
            send(neighbour, {"type": "gossip", "messages": sorted(pending)})


def main():
    pending = b""
    next_tick = time.monotonic() + TICK
    while True:
        timeout = max(0.0, next_tick - time.monotonic())
        readable, _, _ = select.select([0], [], [], timeout)
        if readable:
            chunk = os.read(0, 1 << 16)
            if not chunk:
                return
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                if line.strip():
                    handle(json.loads(line))
        if time.monotonic() >= next_tick:
            gossip()
            next_tick = time.monotonic() + TICK
        sys.stdout.flush()


main()
