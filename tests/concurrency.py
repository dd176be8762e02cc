"""Run calls at the same moment in threads, each with its own database connection."""

import threading

from django.db import connections


def at_once(fn, args_list, expected=(), timeout=60):
    """Call fn(*args) for every args in threads released together by a barrier.

    Returns one outcome per call: "ok", or str(exc) for an exception of a type in
    `expected`. Any other exception is re-raised here, after all threads ended."""
    barrier = threading.Barrier(len(args_list))
    outcomes, unexpected = [], []

    def run(args):
        try:
            barrier.wait()
            fn(*args)
            outcomes.append("ok")
        except expected as exc:
            outcomes.append(str(exc))
        except Exception as exc:  # noqa: BLE001 -- re-raised in the caller's thread
            unexpected.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(args,)) for args in args_list]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    if unexpected:
        raise unexpected[0]
    return outcomes
