#!/usr/bin/env python3
"""The single-node transactor of Maelstrom's guide (doc/05-datomic/01-single-node.md),
in Python: a map of keys to lists, each transaction run start to finish under the node
lock. Each append builds a new list, the guide's fix for its mutable-list bug. Run as
several nodes it fails, as the guide shows: every node has lists of its own.
"""
from node import Node


class State:
    def __init__(self):
        self.state = {}

    def transact(self, txn):
        txn2 = []
        for f, k, v in txn:
            if f == "r":
                txn2.append([f, k, self.state.get(k, [])])
            elif f == "append":
                txn2.append([f, k, v])
                self.state[k] = self.state.get(k, []) + [v]
        return txn2


class Transactor:
    def __init__(self):
        self.node = Node()
        self.state = State()
        self.node.on("txn", self.txn)

    def txn(self, msg):
        txn = msg["body"]["txn"]
        self.node.log(f"Txn: {txn}")
        self.node.reply(msg, {"type": "txn_ok", "txn": self.state.transact(txn)})


Transactor().node.main()
