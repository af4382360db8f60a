"""The read-write lock of the vector index: a waiting writer goes before new readers, nested reads never wait."""

from __future__ import annotations

import threading
import time

from indexer.storage.rwlock import ReadWriteLock


def test_a_waiting_writer_goes_before_new_readers_and_nested_reads_pass() -> None:
    lock = ReadWriteLock()
    order: list[str] = []
    holding = threading.Event()
    release = threading.Event()

    def first_reader() -> None:
        with lock.read():
            holding.set()
            release.wait(5)
            with lock.read():  # nested while the writer waits: must not deadlock
                order.append("nested read")

    def writer() -> None:
        with lock.write():
            order.append("write")

    def late_reader() -> None:
        with lock.read():
            order.append("late read")

    a = threading.Thread(target=first_reader)
    a.start()
    assert holding.wait(5)
    w = threading.Thread(target=writer)
    w.start()
    time.sleep(0.2)  # the writer is now waiting for the first reader
    b = threading.Thread(target=late_reader)
    b.start()
    time.sleep(0.2)
    assert order == []  # the late reader waits behind the writer
    release.set()
    for t in (a, w, b):
        t.join(5)
        assert not t.is_alive()
    assert order == ["nested read", "write", "late read"]
