"""Login prompts (OPC-03): each app registers a function that returns what the acting
org or person should be told on arrival (archives missing, entry progress, …).
The home page shows them all, each with a link."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Prompt:
    text: str
    url: str = ""
    level: str = "warning"  # a Bootstrap alert colour
    action: str = "查看"  # the link's button, e.g. the seed's "确定" (REC-06)


_sources = []


def register(fn):
    """`fn(request) -> iterable of Prompt`; called for every home page view."""
    _sources.append(fn)
    return fn


def for_request(request):
    return [p for source in _sources for p in (source(request) or ())]
