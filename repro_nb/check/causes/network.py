"""Network failures: the cell wanted a host it could not reach.

Notebooks download their data (``pd.read_csv("https://…")``, ``urlretrieve``,
``requests.get``, dataset loaders). When the network or the host is gone, the error
names one of a handful of exception classes and messages; the host comes from the URL or
urllib3's ``host='…'`` in the message or the traceback.
"""

from __future__ import annotations

import re

from .model import Cause

_NETWORK_ERRORS = frozenset(
    {
        "URLError",
        "HTTPError",
        "ConnectionError",
        "ConnectionRefusedError",
        "ConnectionResetError",
        "ConnectionAbortedError",
        "gaierror",
        "herror",
        "RemoteDisconnected",
        "IncompleteRead",
        "MaxRetryError",
        "NewConnectionError",
        "NameResolutionError",
        "ConnectTimeout",
        "ReadTimeout",
        "ConnectTimeoutError",
        "ProxyError",
        "SSLError",
        "ClientConnectorError",
        "ServerDisconnectedError",
        "ContentTooShortError",
    }
)

_NETWORK_TEXT = re.compile(
    r"Name or service not known|Temporary failure in name resolution|nodename nor servname|"
    r"getaddrinfo failed|Failed to establish a new connection|Connection refused|Network is unreachable|"
    r"No route to host|urlopen error|Max retries exceeded|Connection reset by peer|timed out while connecting",
    re.IGNORECASE,
)
_HOST = re.compile(r"host='([^']+)'|https?://([^/\s:'\"<>]+)|\[Errno -?\d+\][^']*'([^']+)'")


def network_cause(index: int, ename: str, evalue: str, traceback: str = "", source: str = "") -> Cause | None:
    """A network cause when the error is one, naming the host the message, the traceback
    or else the cell's own code names."""
    if ename not in _NETWORK_ERRORS and not _NETWORK_TEXT.search(evalue):
        return None
    host = _host(evalue) or _host(traceback) or _host(source)
    where = f" ({host})" if host else ""
    return Cause(
        "network",
        f"a network request failed{where}: {ename}",
        "high" if ename in _NETWORK_ERRORS or _NETWORK_TEXT.search(evalue) else "medium",
        index,
        {"host": host, "ename": ename},
        (f"{ename}: {evalue}".rstrip(": "),),
    )


def _host(text: str) -> str | None:
    match = _HOST.search(text)
    if not match:
        return None
    return next((group for group in match.groups() if group), None)
