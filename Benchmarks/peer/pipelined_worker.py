#!/usr/bin/env python3
"""The peer receiptd-bench compares receiptd with: a receipt worker written the way
a team would write one in Python, and written well.

confluent-kafka, redis-py with hiredis, orjson. Per batch of up to 2,000 records:
one pipelined Redis read, the events applied in order in memory, one pipelined
Redis write (INCRBY per conversation for its new seqs), the notifications produced
asynchronously, the producer flushed, then the batch's offsets committed. The contract is receiptd's as the bench uses it:
newMsg (an idempotent seq per clientMsgID), conversation-level reads
(markConversationAsRead, markMsgsAsRead, setConversationHasReadSeq) in single chats
and groups, delivery acks in single chats (reading delivers), dead letters with
receiptd's error codes. A read or ack is announced only when it moved a watermark,
as receiptd does outside a replay.

What it leaves out, all in its favour: PostgreSQL (no checkpoints or flushed state:
a lost Redis loses everything), replay safety (a crash between the Redis write and
the produce loses those notifications for good), the byte-level ID rules, bounds
and most field checks of receiptd's decoder, and groupHasRead coalescing across
batches.

Configuration: the environment variables receiptd reads (RECEIPTD_BROKERS,
RECEIPTD_REDIS_URL, RECEIPTD_GROUP, RECEIPTD_EVENTS_TOPIC, RECEIPTD_NOTIFY_TOPIC,
RECEIPTD_DLQ_TOPIC). It runs until SIGTERM. Benchmark-only: not part of receiptd.
"""

import os
import signal
import sys

import orjson
import redis
from confluent_kafka import Consumer, KafkaError, Producer

BATCH = 2000
CLIENT_MESSAGE_TTL = 86_400
READS = ("markConversationAsRead", "markMsgsAsRead", "setConversationHasReadSeq")
TYPES = ("newMsg", "msgDelivered") + READS
COMMON = ("eventID", "type", "userID", "conversationID", "sessionType", "sendTime")


class Refused(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def key(cid, suffix):
    return f"py:{{{cid}}}:{suffix}"


def seq_list(value, field):
    if not isinstance(value, list) or any(type(s) is not int or s <= 0 for s in value):
        raise Refused("invalid_field", f"{field} must be an array of positive integers")
    return value


def decode(raw):
    """The event as a dict with 'target' (a read's or ack's highest seq), or Refused."""
    try:
        event = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise Refused("malformed_json", str(error))
    if not isinstance(event, dict):
        raise Refused("malformed_json", "not an object")
    for field in COMMON:
        if field not in event:
            raise Refused("missing_field", f"{field} is missing")
    if event["type"] not in TYPES:
        raise Refused("invalid_field", "unknown type")
    for field in ("eventID", "userID", "conversationID"):
        if not isinstance(event[field], str) or not event[field]:
            raise Refused("invalid_field", f"{field} must be a non-empty string")
    if event["sessionType"] not in (1, 2, 3):
        raise Refused("invalid_field", "sessionType must be 1, 2 or 3")
    kind = event["type"]
    if kind == "newMsg":
        if not isinstance(event.get("clientMsgID"), str):
            raise Refused("missing_field", "clientMsgID is missing")
    elif kind == "msgDelivered":
        if event["sessionType"] != 1:
            raise Refused("invalid_field", "msgDelivered is for single chats")
        seqs = seq_list(event.get("seqs", []), "seqs")
        event["target"] = max([event.get("deliveredSeq") or 0] + seqs)
    else:
        seqs = seq_list(event.get("seqs", []), "seqs")
        has_read = event.get("hasReadSeq") or 0
        if type(has_read) is not int or has_read < 0:
            raise Refused("invalid_field", "hasReadSeq must be a non-negative integer")
        event["target"] = max([has_read] + seqs)
    return event


def notification(kind, recv_id, event, body_field=None, body=None, **fields):
    value = {"type": kind, "recvID": recv_id, "sessionType": event["sessionType"],
             "conversationID": event["conversationID"], "sourceEventIDs": [event["eventID"]]}
    value.update(fields)
    if body_field:
        value[body_field] = body
    return value


class Worker:
    def __init__(self):
        env = os.environ
        self.notify_topic = env["RECEIPTD_NOTIFY_TOPIC"]
        self.dlq_topic = env["RECEIPTD_DLQ_TOPIC"]
        self.consumer = Consumer({
            "bootstrap.servers": env["RECEIPTD_BROKERS"], "group.id": env["RECEIPTD_GROUP"],
            "auto.offset.reset": "earliest", "enable.auto.commit": False, "session.timeout.ms": 10_000,
        })
        self.producer = Producer({"bootstrap.servers": env["RECEIPTD_BROKERS"], "linger.ms": 5,
                                  "queue.buffering.max.messages": 1_000_000})
        self.redis = redis.Redis.from_url(env["RECEIPTD_REDIS_URL"])
        self.stopping = False

        def assigned(consumer, partitions):
            print(f"pipelined-worker: partitions assigned {len(partitions)}", file=sys.stderr, flush=True)

        self.consumer.subscribe([env["RECEIPTD_EVENTS_TOPIC"]], on_assign=assigned)

    def run(self):
        while not self.stopping:
            records = self.consumer.consume(num_messages=BATCH, timeout=0.1)
            for record in records:
                if record.error() is not None:
                    print(f"pipelined-worker: {record.error()}", file=sys.stderr, flush=True)
            records = [record for record in records if record.error() is None]
            if records:
                self.handle(records)
                self.producer.flush()
                self.consumer.commit(asynchronous=False)
        self.producer.flush()
        self.consumer.close()

    def handle(self, records):
        events, refused = [], []
        for record in records:
            try:
                events.append((record, decode(record.value())))
            except Refused as error:
                refused.append((record, error))

        # Round trip 1: each conversation's maxSeq, each clientMsgID's seq, the
        # watermarks of readers and acking users.
        reads = self.redis.pipeline(transaction=False)
        lookups = {}  # each key once per batch, in order

        def lookup(name, command, *arguments):
            if name not in lookups:
                lookups[name] = None
                command(*arguments)

        for _, event in events:
            cid, user, kind = event["conversationID"], event["userID"], event["type"]
            lookup(("seq", cid), reads.get, key(cid, "seq"))
            if kind == "newMsg":
                lookup(("cm", cid, event["clientMsgID"]), reads.get, key(cid, "cm:" + event["clientMsgID"]))
            else:
                lookup(("read", cid, user), reads.zscore, key(cid, "read"), user)
                if kind == "msgDelivered":
                    lookup(("dlv", cid, user), reads.zscore, key(cid, "dlv"), user)
        state = {}
        for name, value in zip(lookups, reads.execute()):
            state[name] = int(value) if value is not None else 0

        # The events in order, in memory; round trip 2 writes what they changed.
        writes = self.redis.pipeline(transaction=False)
        first_seq = {}  # cid -> its maxSeq before this batch
        outputs = []  # (event, kind, watermark before)
        group_readers = {}  # cid -> (first event, {userID: hasReadSeq}, [eventIDs])
        for record, event in events:
            cid, user, kind = event["conversationID"], event["userID"], event["type"]
            first_seq.setdefault(cid, state[("seq", cid)])
            if kind == "newMsg":
                client = ("cm", cid, event["clientMsgID"])
                if not state[client]:  # not a client's retry: a new seq
                    state[("seq", cid)] += 1
                    seq = state[client] = state[("seq", cid)]
                    writes.set(key(cid, "cm:" + event["clientMsgID"]), seq, ex=CLIENT_MESSAGE_TTL)
                    if state.get(("read", cid, user), 0) < seq:  # sending reads one's own message
                        state[("read", cid, user)] = seq
                        writes.zadd(key(cid, "read"), {user: seq}, gt=True)
                outputs.append((event, kind, state[client]))
                continue
            target = event["target"]
            if target > state[("seq", cid)]:
                refused.append((record, Refused("seq_above_max", "above the conversation's maxSeq")))
                continue
            read = state.get(("read", cid, user), 0)
            if kind == "msgDelivered":
                current = max(read, state.get(("dlv", cid, user), 0))  # reading delivers
                if target <= current:
                    continue  # a repeat or an older ack: nothing to announce
                state[("dlv", cid, user)] = target
                writes.zadd(key(cid, "dlv"), {user: target}, gt=True)
            else:
                current = read
                if target <= current:
                    continue  # a repeat or an older read
                state[("read", cid, user)] = target
                writes.zadd(key(cid, "read"), {user: target}, gt=True)
                if event["sessionType"] != 1:
                    entry = group_readers.setdefault(cid, (event, {}, []))
                    entry[1][user] = target
                    entry[2].append(event["eventID"])
            outputs.append((event, kind, current))
        allocated = [(cid, state[("seq", cid)] - before) for cid, before in first_seq.items()
                     if state[("seq", cid)] > before]
        for cid, count in allocated:
            writes.incrby(key(cid, "seq"), count)
        replies = writes.execute()
        for (cid, count), reply in zip(allocated, replies[len(replies) - len(allocated):]):
            if reply != state[("seq", cid)]:  # one worker per partition, so never
                raise RuntimeError(f"{cid}: maxSeq moved under this worker")

        produce = self.producer.produce
        for event, kind, before in outputs:
            cid, user = event["conversationID"], event["userID"]
            if kind == "newMsg":
                self.send(produce, user, notification("seqAssigned", user, event, clientMsgID=event["clientMsgID"],
                                                      seq=before, sendID=user))
            elif kind == "msgDelivered":
                tips = {"deliveredUserID": user, "conversationID": cid, "deliveredSeq": event["target"],
                        "seqs": list(range(max(before, event["target"] - 100) + 1, event["target"] + 1))}
                if event.get("peerUserID"):
                    recv = event["peerUserID"]
                    self.send(produce, recv, notification("deliveryReceipt", recv, event, "deliveryTips", tips))
            else:
                tips = {"markAsReadUserID": user, "conversationID": cid, "hasReadSeq": event["target"],
                        "seqs": list(range(max(before, event["target"] - 100) + 1, event["target"] + 1))}
                single = event["sessionType"] == 1 and kind != "setConversationHasReadSeq"
                for recv in ((event.get("peerUserID"), user) if single else (user,)):
                    if recv:
                        self.send(produce, recv, notification("hasReadReceipt", recv, event, "markAsReadTips", tips))
        for cid, (event, readers, event_ids) in group_readers.items():
            value = notification("groupHasRead", cid, event, "groupHasReadTips", {
                "conversationID": cid, "readers": [{"userID": u, "hasReadSeq": s} for u, s in readers.items()]})
            value["sourceEventIDs"] = event_ids
            self.send(produce, cid, value)
        for record, error in refused:
            produce(self.dlq_topic, record.value(), record.key(), headers=[("x-receiptd-error", error.code.encode())])

    def send(self, produce, recv, value):
        while True:
            try:
                produce(self.notify_topic, orjson.dumps(value), recv.encode())
                return
            except BufferError:  # the local queue is full: serve deliveries, then retry
                self.producer.poll(0.1)


def main():
    worker = Worker()

    def stop(signum, frame):
        worker.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    worker.run()


if __name__ == "__main__":
    main()
