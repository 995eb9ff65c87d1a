#!/usr/bin/env python3
"""The counters of Maelstrom's guide (doc/04-crdts/02-counters.md), in Python: the G-set
server with its set replaced by a counter CRDT, replicated every five seconds.

With the argument `g` the node keeps the guide's first counter, a G-counter, which
passes g-counter and, as the guide shows, fails pn-counter: merging by maximum forgets
decrements. Without it, the PN-counter: increments and decrements in two G-counters.
"""
import sys

from node import Node


class GCounter:
    def __init__(self, counters=None):
        self.counters = dict(counters or {})

    def from_json(self, json):
        return GCounter(json)

    def to_json(self):
        return self.counters

    def read(self):
        return sum(self.counters.values())

    def merge(self, other):
        merged = dict(self.counters)
        for node, count in other.counters.items():
            merged[node] = max(merged.get(node, count), count)
        return GCounter(merged)

    def add(self, node_id, delta):
        counters = dict(self.counters)
        counters[node_id] = counters.get(node_id, 0) + delta
        return GCounter(counters)


class PNCounter:
    def __init__(self, inc=None, dec=None):
        self.inc = inc or GCounter()
        self.dec = dec or GCounter()

    def from_json(self, json):
        return PNCounter(self.inc.from_json(json["inc"]), self.dec.from_json(json["dec"]))

    def to_json(self):
        return {"inc": self.inc.to_json(), "dec": self.dec.to_json()}

    def read(self):
        return self.inc.read() - self.dec.read()

    def merge(self, other):
        return PNCounter(self.inc.merge(other.inc), self.dec.merge(other.dec))

    def add(self, node_id, delta):
        if delta >= 0:
            return PNCounter(self.inc.add(node_id, delta), self.dec)
        return PNCounter(self.inc, self.dec.add(node_id, -delta))


class CounterServer:
    def __init__(self, crdt):
        self.node = Node()
        self.crdt = crdt
        self.node.on("add", self.add)
        self.node.on("read", self.read)
        self.node.on("replicate", self.replicate)
        self.node.every(5, self.replicate_to_all)

    def add(self, msg):
        self.crdt = self.crdt.add(self.node.node_id, msg["body"]["delta"])
        self.node.reply(msg, {"type": "add_ok"})

    def read(self, msg):
        self.node.reply(msg, {"type": "read_ok", "value": self.crdt.read()})

    def replicate(self, msg):
        self.crdt = self.crdt.merge(self.crdt.from_json(msg["body"]["value"]))

    def replicate_to_all(self):
        for n in self.node.node_ids:
            if n != self.node.node_id:
                self.node.send(n, {"type": "replicate", "value": self.crdt.to_json()})


crdt = GCounter() if sys.argv[1:] == ["g"] else PNCounter()
CounterServer(crdt).node.main()
