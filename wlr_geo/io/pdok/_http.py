"""The HTTP side of :mod:`wlr_geo.io.pdok.download`: a polite JSON/file client on ``requests``.

Transport: a :class:`requests.Session` with urllib3's :class:`~urllib3.util.retry.Retry`
mounted (:class:`PoliteRetry`). It retries dropped connections, timeouts and HTTP 429, 500,
502, 503 and 504 with exponential backoff plus jitter, and honours ``Retry-After`` (capped at
``backoff_max_s``; a malformed header falls back to the backoff). Every request carries a
User-Agent naming wlr_geo and its version, a timeout, and passes a rate limit.

Problems urllib3 cannot see, because they sit in the body of a ``200 OK``: a truncated body, a
body that is not JSON, a page whose ``numberReturned`` disagrees with the features it holds.
:meth:`HttpClient.get_page` retries those under the same :class:`PoliteRetry` policy (same
counts, same backoff). HTTP errors a retry cannot fix (400, 404, ...) fail at once with the
server's explanation, which for PDOK names the offending query parameter.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import requests.adapters
import urllib3.exceptions
from urllib3.util.retry import Retry

from wlr_geo._errors import DownloadError
from wlr_geo._nl import nl
from wlr_geo._version import __version__

__all__ = [
    "PDOK_MAX_LIMIT",
    "RETRY_STATUSES",
    "USER_AGENT",
    "DownloadSettings",
    "HttpClient",
    "HttpStatusError",
    "Page",
    "PoliteRetry",
    "RetryableError",
    "next_link",
    "parse_page",
]

log = logging.getLogger("wlr_geo")

USER_AGENT = f"wlr_geo/{__version__} (python-requests; WarmtelinQ+ planning toolkit)"
#: PDOK's OGC API servers serve at most this many features per page and silently cap a larger
#: ``limit`` (gokoala ``config.Limit.Max``, default 1000; PDOK FAQ OGC API: "maximaal 1000
#: objecten per bevraging").
PDOK_MAX_LIMIT = 1000
#: HTTP statuses retried with backoff (``Retry-After`` honoured on 429 and 503).
RETRY_STATUSES = (429, 500, 502, 503, 504)


@dataclass(frozen=True)
class DownloadSettings:
    """Politeness, retry and cache settings (all times in seconds).

    Attributes
    ----------
    timeout_s
        Connect and read timeout of one request.
    retries
        Further attempts after a failed request (so ``retries + 1`` in all), for transport
        problems and for body problems alike.
    backoff_base_s, backoff_max_s
        urllib3's schedule: the first retry follows at once, retry *n* ≥ 2 after
        ``backoff_base_s × 2**(n-1)`` plus up to ``backoff_base_s`` of random jitter, never
        more than ``backoff_max_s``. A server's ``Retry-After`` takes precedence (capped at
        ``backoff_max_s``).
    rate_limit_per_s
        At most this many requests per second (0: no limit).
    page_limit
        ``limit`` parameter; never more than :data:`PDOK_MAX_LIMIT` is sent.
    max_age_days
        A cached download older than this is fetched again (offline: used with a note).
    restarts
        Whole-collection restarts after a feature count that disagrees with a
        ``numberMatched`` the server chose to give (PDOK gives none).
    poll_interval_s, poll_timeout_s
        Status polling of an asynchronous download (the BGT download API): interval and the
        time after which the run gives up (the request id is kept, a later run resumes).
    """

    timeout_s: float = 60.0
    retries: int = 4
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0
    rate_limit_per_s: float = 2.0
    page_limit: int = PDOK_MAX_LIMIT
    max_age_days: float = 30.0
    max_pages: int = 100_000
    restarts: int = 1
    poll_interval_s: float = 5.0
    poll_timeout_s: float = 1800.0
    user_agent: str = USER_AGENT

    @property
    def effective_page_limit(self) -> int:
        """The ``limit`` actually sent: ``page_limit`` capped at :data:`PDOK_MAX_LIMIT`."""
        return max(1, min(int(self.page_limit), PDOK_MAX_LIMIT))


@dataclass(frozen=True)
class Page:
    """One parsed response page."""

    url: str
    body: bytes
    doc: dict[str, Any]
    content_crs: str | None


class RetryableError(Exception):
    """A problem in the body of a successful response that another attempt may not have."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


class HttpStatusError(DownloadError):
    """An HTTP error answer (after the retries that apply); ``status`` is its code."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class _BodyError(Exception):
    """What :meth:`Retry.increment` is told for a body problem (counted as an "other" error)."""


class PoliteRetry(Retry):
    """urllib3 :class:`Retry` whose ``Retry-After`` is capped at ``backoff_max`` and tolerant
    of malformed values, and whose sleeping goes through an injectable function (tests)."""

    def __init__(self, *args: Any, sleeper: Callable[[float], None] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sleeper: Callable[[float], None] = sleeper or time.sleep

    def new(self, **kw: Any) -> PoliteRetry:
        retry = super().new(**kw)
        assert isinstance(retry, PoliteRetry)
        retry.sleeper = self.sleeper
        return retry

    def get_retry_after(self, response: Any) -> float | None:
        try:
            after = super().get_retry_after(response)
        except urllib3.exceptions.InvalidHeader:
            return None  # a server's nonsense falls back to our own backoff
        return None if after is None else min(float(after), float(self.backoff_max))

    def sleep(self, response: Any = None) -> None:
        if self.respect_retry_after_header and response is not None:
            after = self.get_retry_after(response)
            if after:
                self.sleeper(after)
                return
        backoff = self.get_backoff_time()
        if backoff > 0:
            self.sleeper(backoff)


class HttpClient:
    """A polite client: rate limit, urllib3 retries with backoff + jitter, timeouts.

    Thread-safe for the rate limit; one instance is shared by all collections of a run.
    ``sleep`` replaces :func:`time.sleep` for the rate limit, the backoff and polling (tests).
    """

    def __init__(
        self, settings: DownloadSettings | None = None, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.settings = settings or DownloadSettings()
        self._sleep = sleep
        self._lock = threading.Lock()
        self._last_request = -1e18
        self.requests_made = 0
        # GET: retried on any transport problem. POST (creating a download request): retried
        # only when the server certainly did not take it (connect errors, 429/5xx answers);
        # never after a read timeout, which could create the request twice.
        self._get = self._session(self.retry_policy())
        self._post = self._session(self.retry_policy(methods=("POST",), read=0))

    def _session(self, retry: PoliteRetry) -> requests.Session:
        session = requests.Session()
        session.headers.update({"User-Agent": self.settings.user_agent})
        adapter = requests.adapters.HTTPAdapter(max_retries=retry)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    def retry_policy(self, *, methods: tuple[str, ...] = ("GET",), read: int | None = None) -> PoliteRetry:
        """The :class:`PoliteRetry` of these settings (``read`` overrides the read-error count)."""
        s = self.settings
        n = max(0, int(s.retries))
        return PoliteRetry(
            total=n, connect=n, read=n if read is None else read, status=n, other=n, redirect=5,
            allowed_methods=frozenset(methods), status_forcelist=RETRY_STATUSES,
            backoff_factor=s.backoff_base_s, backoff_jitter=s.backoff_base_s,
            backoff_max=s.backoff_max_s, respect_retry_after_header=True, raise_on_status=False,
            sleeper=self._sleep,
        )

    def pause(self, seconds: float) -> None:
        """Wait ``seconds`` (between status polls) with the client's sleep function."""
        if seconds > 0:
            self._sleep(seconds)

    def close(self) -> None:
        self._get.close()
        self._post.close()

    def _throttle(self) -> None:
        rate = self.settings.rate_limit_per_s
        with self._lock:
            if rate > 0:
                wait = self._last_request + 1.0 / rate - time.monotonic()
                if wait > 0:
                    self._sleep(wait)
            self._last_request = time.monotonic()
            self.requests_made += 1

    @property
    def attempts(self) -> int:
        return max(0, int(self.settings.retries)) + 1

    # ------------------------------------------------------------------------- requests

    def _send(self, method: str, url: str, *, stream: bool = False, **kwargs: Any) -> requests.Response:
        """One request through the retrying transport; transport failures become DownloadError."""
        if not url.startswith(("http://", "https://")):
            raise DownloadError(f"{url!r} wordt niet opgehaald: alleen http(s)-URL's zijn toegestaan")
        session = self._post if method == "POST" else self._get
        self._throttle()
        try:
            return session.request(method, url, timeout=self.settings.timeout_s, stream=stream, **kwargs)
        except requests.exceptions.ChunkedEncodingError as exc:
            raise RetryableError(f"afgekapt antwoord ({_reason(exc)})") from None
        except requests.exceptions.ContentDecodingError as exc:
            raise RetryableError(f"inhoud van het antwoord niet te decoderen ({_reason(exc)})") from None
        except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as exc:
            what = (f"time-out na {nl(self.settings.timeout_s)} s" if _is_timeout(exc)
                    else f"verbinding mislukt: {_reason(exc)}")
            raise DownloadError(
                f"download mislukt: {url}: {what} (opgegeven na {nl(self.attempts)} poging(en)); "
                "wat al is opgehaald blijft bewaard en de volgende run gaat daar verder"
            ) from None
        except requests.exceptions.RequestException as exc:
            raise DownloadError(f"download mislukt: {url}: {type(exc).__name__}: {_reason(exc)}") from None

    def _check_status(self, resp: requests.Response, url: str, ok: tuple[int, ...] = (200,)) -> None:
        if resp.status_code in ok:
            return
        code = resp.status_code
        detail = ""
        with contextlib.suppress(requests.exceptions.RequestException, UnicodeDecodeError):
            detail = _problem_detail(resp.content[:2000])
        resp.close()
        gave_up = (f" (opgegeven na {nl(self.attempts)} poging(en)); wat al is opgehaald blijft bewaard en "
                   "de volgende run gaat hier verder" if code in RETRY_STATUSES else "")
        hint = {404: " — controleer de collectienaam en de basis-URL van de dataset",
                400: " — de server weigerde een queryparameter (PDOK antwoordt 400 op elke parameter "
                     "die het niet kent)"}
        raise HttpStatusError(
            f"download mislukt: {url}: HTTP {code} {resp.reason or ''}".rstrip()
            + (f" ({detail})" if detail else "") + gave_up + hint.get(code, ""),
            code,
        )

    def _with_body_retries(self, url: str, attempt: Callable[[], Any]) -> Any:
        """Run ``attempt`` and retry its :class:`RetryableError` under the retry policy."""
        retry = self.retry_policy()
        while True:
            try:
                return attempt()
            except RetryableError as exc:
                try:
                    retry = retry.increment(method="GET", url=url, error=_BodyError(exc.problem))
                except urllib3.exceptions.MaxRetryError:
                    raise DownloadError(
                        f"download mislukt: {url}: {exc.problem} (opgegeven na {nl(self.attempts)} "
                        "poging(en)); de al opgehaalde pagina's blijven bewaard en de volgende run gaat hier verder"
                    ) from None
                log.warning("%s: %s; nieuwe poging", url, exc.problem)
                retry.sleep()

    def get_page(self, url: str) -> Page:
        """GET ``url`` as a GeoJSON FeatureCollection page; transport and body problems retried.

        Raises
        ------
        DownloadError
            After the last attempt, naming the URL and what was wrong; at once for HTTP
            errors that a retry cannot fix (4xx other than 429).
        """

        def attempt() -> Page:
            resp = self._send("GET", url, headers={"Accept": "application/geo+json, application/json;q=0.9"})
            self._check_status(resp, url)
            body = resp.content
            return Page(url=url, body=body, doc=parse_page(body), content_crs=resp.headers.get("Content-Crs"))

        page: Page = self._with_body_retries(url, attempt)
        return page

    def get_json(self, url: str) -> dict[str, Any]:
        """GET ``url`` and parse a JSON object (a status document); retried like pages."""

        def attempt() -> dict[str, Any]:
            resp = self._send("GET", url, headers={"Accept": "application/json"})
            self._check_status(resp, url)
            return _json_object(resp.content)

        doc: dict[str, Any] = self._with_body_retries(url, attempt)
        return doc

    def post_json(self, url: str, payload: Mapping[str, Any], *, ok: tuple[int, ...] = (200, 201, 202)) -> dict[str, Any]:
        """POST ``payload`` as JSON and parse the JSON object answered. Never sent twice after
        the server may have received it (see the class docstring)."""
        try:
            resp = self._send("POST", url, json=dict(payload), headers={"Accept": "application/json"})
        except RetryableError as exc:
            raise DownloadError(f"download mislukt: {url}: {exc.problem}") from None
        self._check_status(resp, url, ok)
        try:
            return _json_object(resp.content)
        except RetryableError as exc:
            raise DownloadError(f"download mislukt: {url}: {exc.problem}") from None

    def download_file(self, url: str, target: Path, *, max_bytes: int = 4 << 30) -> int:
        """Stream ``url`` into ``target`` (a ``.part`` file), resuming a partial file with a
        ``Range`` request; returns the file size. A body shorter than announced is retried
        (resuming), a server that ignores ``Range`` restarts the file."""

        def attempt() -> int:
            have = target.stat().st_size if target.exists() else 0
            headers = {"Range": f"bytes={have}-"} if have else {}
            resp = self._send("GET", url, stream=True, headers=headers)
            with contextlib.closing(resp):
                if have and resp.status_code == 416:  # nothing left to fetch
                    return have
                self._check_status(resp, url, (200, 206))
                mode = "ab" if resp.status_code == 206 and have else "wb"
                announced = resp.headers.get("Content-Length")
                expected = int(announced) if announced and announced.isdigit() else None
                got = 0
                try:
                    with open(target, mode) as fh:
                        for chunk in resp.iter_content(1 << 20):
                            fh.write(chunk)
                            got += len(chunk)
                            if (have if mode == "ab" else 0) + got > max_bytes:
                                raise DownloadError(f"download mislukt: {url}: groter dan {nl(max_bytes)} bytes")
                except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError) as exc:
                    raise RetryableError(f"download afgekapt na {nl(got)} bytes ({_reason(exc)})") from None
                if expected is not None and got < expected:
                    raise RetryableError(f"download afgekapt: {nl(got)} van {nl(expected)} bytes ontvangen")
                return target.stat().st_size

        size: int = self._with_body_retries(url, attempt)
        return size


def _reason(exc: BaseException) -> str:
    """The innermost useful message of a requests/urllib3 exception."""
    inner: BaseException | None = exc
    while inner is not None and inner.args and isinstance(inner.args[0], BaseException):
        inner = inner.args[0]
    if isinstance(inner, urllib3.exceptions.MaxRetryError) and inner.reason is not None:
        inner = inner.reason
    text = str(inner) if inner is not None else str(exc)
    return text[:300]


def _is_timeout(exc: BaseException) -> bool:
    if isinstance(exc, requests.exceptions.Timeout):
        return True
    inner: Any = exc.args[0] if exc.args else None
    reason = getattr(inner, "reason", None)
    return isinstance(reason, urllib3.exceptions.TimeoutError | TimeoutError)


def _problem_detail(body: bytes) -> str:
    """A one-line explanation from an error body (RFC 7807 ``detail``/``title`` or the text)."""
    text = body.decode("utf-8", "replace").strip()
    with contextlib.suppress(ValueError):
        doc = json.loads(text)
        if isinstance(doc, dict):
            for key in ("detail", "title", "description", "message"):
                if isinstance(doc.get(key), str) and doc[key].strip():
                    text = doc[key].strip()
                    break
    return " ".join(text.split())[:300]


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(body)
    except UnicodeDecodeError:
        raise RetryableError("ongeldige JSON: de inhoud is geen UTF-8-tekst") from None
    except json.JSONDecodeError as exc:
        what = "afgekapte JSON" if exc.pos >= len(body.rstrip()) - 1 else "ongeldige JSON"
        raise RetryableError(f"{what}: {exc.msg} op byte {exc.pos} van {len(body)}") from None
    if not isinstance(doc, dict):
        raise RetryableError("het antwoord is JSON maar geen object")
    return doc


def parse_page(body: bytes) -> dict[str, Any]:
    """Parse and check one GeoJSON page: a FeatureCollection whose ``numberReturned`` (when
    given) equals the number of features it holds."""
    doc = _json_object(body)
    if doc.get("type") != "FeatureCollection":
        raise RetryableError("het antwoord is JSON maar geen GeoJSON-FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list):
        raise RetryableError("de FeatureCollection heeft geen lijst 'features'")
    returned = doc.get("numberReturned")
    if returned is not None and (not isinstance(returned, int) or isinstance(returned, bool)):
        raise RetryableError(f"numberReturned is geen geheel getal: {returned!r}")
    if isinstance(returned, int) and returned != len(features):
        raise RetryableError(f"afgekapte pagina: numberReturned is {nl(returned)} maar de pagina bevat "
                             f"{nl(len(features))} objecten")
    return doc


def next_link(doc: Mapping[str, Any], base_url: str) -> str | None:
    """The page's ``rel=next`` link (a GeoJSON one preferred), resolved against ``base_url``."""
    links = doc.get("links") or []
    candidates = [lk for lk in links if isinstance(lk, dict) and lk.get("rel") == "next" and lk.get("href")]
    if not candidates:
        return None
    geojson = [lk for lk in candidates if "json" in str(lk.get("type", "json"))]
    href = str((geojson or candidates)[0]["href"])
    return urllib.parse.urljoin(base_url, href)
