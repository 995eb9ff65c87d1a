#!/usr/bin/env python3
"""The G-set of Maelstrom's guide (doc/04-crdts/01-g-set.md), in Python: a grow-only
set as a general-purpose CRDT; every five seconds each node sends its whole set to every
other node, which merges it by union.
"""
from node import Node


class GSet:
    def __init__(self, elements=frozenset()):
        self.elements = frozenset(elements)

    def from_json(self, json_array):
        return GSet(json_array)

    def to_json(self):
        return sorted(self.elements)

    def read(self):
        return sorted(self.elements)

    def merge(self, other):
        return GSet(self.elements | other.elements)

    def add(self, element):
        return GSet(self.elements | {element})


class GSetServer:
    def __init__(self):
        self.node = Node()
        self.crdt = GSet()
        self.node.on("read", self.read)
        self.node.on("add", self.add)
        self.node.on("replicate", self.replicate)
        self.node.every(5, self.replicate_to_all)

    def read(self, msg):
        self.node.reply(msg, {"type": "read_ok", "value": self.crdt.read()})

    def add(self, msg):
        self.crdt = self.crdt.add(msg["body"]["element"])
        self.node.reply(msg, {"type": "add_ok"})

    def replicate(self, msg):
        self.crdt = self.crdt.merge(self.crdt.from_json(msg["body"]["value"]))

    def replicate_to_all(self):
        for n in self.node.node_ids:
            if n != self.node.node_id:
                self.node.send(n, {"type": "replicate", "value": self.crdt.to_json()})


GSetServer().node.main()
