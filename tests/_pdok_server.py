"""A local stand-in for PDOK's services, for the network tests (127.0.0.1, port 0, no internet).

It behaves the way PDOK's OGC API server (gokoala: ``internal/ogc/features/url.go``,
``domain/geojson.go``, ``config/ogcapi_features_collection.go``) and PDOK's BGT download API
behave, as far as ``wlr-geo fetch`` relies on it:

* items at ``<service>/collections/<id>/items``; only ``f``, ``limit``, ``cursor``, ``crs``,
  ``datetime``, ``bbox``, ``bbox-crs``, ``filter``, ``filter-crs``, ``profile`` are known, any
  other parameter is HTTP 400 with a problem document naming it;
* ``limit`` default 10, above 1000 silently lowered to 1000;
* paging by ``cursor``; the ``rel=next`` link is absolute and repeats every parameter (``crs``,
  ``bbox``, ``bbox-crs`` kept); pages carry ``numberReturned`` and no ``numberMatched``;
* ``crs`` EPSG:28992 serves the stored RD coordinates, CRS84 (or no ``crs``) lon/lat; the
  ``Content-Crs`` header names the CRS served; ``bbox`` filters in ``bbox-crs``;
* ``datetime`` is 400 for a collection without temporal properties;
* the BGT download API: POST ``/lv/bgt/download/v1_0/full/custom`` → 202 with a
  ``downloadRequestId``; ``.../{id}/status`` is PENDING, then RUNNING, then COMPLETED with a
  ``_links.download.href``; the download is a zip of ``bgt_<class>.gml`` (CityGML/IMGeo 2.1);
  ``Range`` requests are answered with 206.

Faults can be injected per (collection, offset of the page): HTTP 500, 503 with Retry-After, a
response slower than the client's timeout, a truncated body, malformed JSON, a wrong
``numberReturned``, 404, a next link that loops, drops ``crs``, or leads to another host.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import threading
import time
import urllib.parse
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pyproj
import shapely
import shapely.geometry
from shapely.geometry import mapping, shape

RD = "http://www.opengis.net/def/crs/EPSG/0/28992"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
KNOWN = {"f", "limit", "cursor", "crs", "datetime", "bbox", "bbox-crs", "filter", "filter-crs", "profile"}
BGT_API = "/lv/bgt/download/v1_0"
_TO_WGS84 = pyproj.Transformer.from_crs(28992, 4326, always_xy=True)
_TO_RD = pyproj.Transformer.from_crs(4326, 28992, always_xy=True)


def feature(fid: str, geometry: Any, **props: Any) -> dict[str, Any]:
    """A GeoJSON feature (geometry as a shapely object or a GeoJSON mapping), RD coordinates."""
    geom = mapping(geometry) if hasattr(geometry, "geom_type") else geometry
    return {"type": "Feature", "id": fid, "geometry": geom, "properties": props}


def points(n: int, *, x0: float = 90_000.0, y0: float = 460_000.0, props: dict | None = None) -> list[dict]:
    return [feature(f"f{i}", shapely.Point(x0 + 10.0 * i, y0 + 5.0 * i), nr=i, naam=f"object {i}", **(props or {}))
            for i in range(n)]


# ------------------------------------------------------------------------------ BGT CityGML

_GML_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<CityModel xmlns="http://www.opengis.net/citygml/2.0" xmlns:gml="http://www.opengis.net/gml" '
    'xmlns:imgeo="http://www.geostandaarden.nl/imgeo/2.1" '
    'xmlns:tran="http://www.opengis.net/citygml/transportation/2.0" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
)


def _poslist(poly: shapely.Polygon) -> str:
    return " ".join(f"{x:.3f} {y:.3f}" for x, y in poly.exterior.coords)


def bgt_wegdeel_gml(objects: list[dict[str, Any]]) -> str:
    """``bgt_wegdeel.gml`` with one TrafficArea per object (``gid``, ``polygon``, ``status``,
    ``ended``, ``functie``)."""
    parts = [_GML_HEAD]
    for o in objects:
        ended = "<imgeo:eindRegistratie>2021-05-05T00:00:00</imgeo:eindRegistratie>" if o.get("ended") else ""
        parts.append(f"""<cityObjectMember>
  <tran:TrafficArea gml:id="{o['gid']}">
    <creationDate>2020-01-02</creationDate>
    <imgeo:LV-publicatiedatum>2020-02-03T04:05:06</imgeo:LV-publicatiedatum>
    <imgeo:relatieveHoogteligging>0</imgeo:relatieveHoogteligging>
    {ended}
    <imgeo:tijdstipRegistratie>2020-01-02T10:00:00.000</imgeo:tijdstipRegistratie>
    <imgeo:identificatie><imgeo:NEN3610ID><imgeo:namespace>NL.IMGeo</imgeo:namespace>
      <imgeo:lokaalID>G0546.{o['gid']}</imgeo:lokaalID></imgeo:NEN3610ID></imgeo:identificatie>
    <imgeo:bronhouder>G0546</imgeo:bronhouder>
    <imgeo:bgt-status>{o.get('status', 'bestaand')}</imgeo:bgt-status>
    <imgeo:plus-status>geenWaarde</imgeo:plus-status>
    <tran:function>{o.get('functie', 'rijbaan lokale weg')}</tran:function>
    <tran:surfaceMaterial>gesloten verharding</tran:surfaceMaterial>
    <imgeo:geometrie2dWegdeel><gml:Polygon srsName="urn:ogc:def:crs:EPSG::28992"><gml:exterior><gml:LinearRing>
      <gml:posList srsDimension="2">{_poslist(o['polygon'])}</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>
    </imgeo:geometrie2dWegdeel>
  </tran:TrafficArea>
</cityObjectMember>
""")
    parts.append("</CityModel>\n")
    return "".join(parts)


def bgt_zip(files: dict[str, str | bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data, compress_type=zipfile.ZIP_STORED if isinstance(data, bytes) else None)
    return buf.getvalue()


# ------------------------------------------------------------------------------ the server


class FakePdok:
    """State of the stand-in: collections, faults to inject, and a log of every request."""

    def __init__(self) -> None:
        self.collections: dict[str, list[dict]] = {}
        self.temporal: set[str] = set()
        self.faults: dict[tuple[str, int], list[str]] = {}  # (collection, offset) -> faults, consumed
        self.always: dict[tuple[str, int], str] = {}  # (collection, offset) -> fault on every request
        self.number_matched: dict[str, int] = {}  # a non-PDOK server that does give it
        self.max_limit = 1000
        self.default_limit = 10
        self.content_crs: str | None = "served"  # "served": the CRS served; None: no header; else that value
        self.ignore_crs = False  # serve CRS84 whatever crs asks (a server not honouring crs)
        self.relative_links = False
        self.sleep_s = 1.0
        self.log: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.url = ""
        # BGT download API
        self.bgt_files: dict[str, str | bytes] = {}  # zip member name -> GML text (or other bytes)
        self.bgt_polls_needed = 2
        self.bgt_requests: dict[str, dict[str, Any]] = {}
        self.bgt_faults: list[str] = []  # consumed in order: "truncate-download", "post-503", "status-404"
        self.bgt_final_status = "COMPLETED"

    def offsets(self, collection: str | None = None) -> list[int]:
        return [r["offset"] for r in self.log if r.get("collection") and collection in (None, r["collection"])]

    def item_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.log if r.get("collection")]


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o{offset}".encode()).decode().rstrip("=")


def _offset(cursor: str) -> int:
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    if not raw.startswith("o"):
        raise ValueError(cursor)
    return int(raw[1:])


class _Handler(BaseHTTPRequestHandler):
    api: FakePdok  # set on the subclass per server

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
        pass

    def _send(self, code: int, body: bytes, *, ctype: str = "application/geo+json",
              headers: dict[str, str] | None = None, length: int | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _problem(self, code: int, detail: str) -> None:
        body = json.dumps({"title": {400: "Bad Request", 404: "Not Found"}.get(code, "Error"),
                           "detail": detail, "status": code}).encode()
        self._send(code, body, ctype="application/problem+json")

    # -------------------------------------------------------------------------- dispatch

    def do_GET(self) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            parsed = urllib.parse.urlsplit(self.path)
            if parsed.path.startswith(BGT_API):
                self._bgt_get(parsed)
            else:
                self._items(parsed)

    def do_POST(self) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            parsed = urllib.parse.urlsplit(self.path)
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n)
            with self.api.lock:
                self.api.log.append({"method": "POST", "path": parsed.path, "body": body.decode("utf-8", "replace")})
                fault = self.api.bgt_faults.pop(0) if self.api.bgt_faults[:1] == ["post-503"] else None
            if fault == "post-503":
                self._send(503, b'{"detail": "busy"}', ctype="application/json", headers={"Retry-After": "1"})
                return
            if parsed.path != f"{BGT_API}/full/custom":
                self._problem(404, "not found")
                return
            self._bgt_request(body)

    # -------------------------------------------------------------------------- OGC API items

    def _items(self, parsed: urllib.parse.SplitResult) -> None:
        api = self.api
        pairs = urllib.parse.parse_qsl(parsed.query, keep_blank_values=True)
        query = dict(pairs)
        parts = parsed.path.rstrip("/").split("/")
        if len(parts) < 3 or parts[-1] != "items" or parts[-3] != "collections":
            self._problem(404, "not found")
            return
        collection = parts[-2]
        try:
            offset = _offset(query["cursor"]) if "cursor" in query else 0
        except (ValueError, UnicodeDecodeError):
            offset = -1
        with api.lock:
            api.log.append({"method": "GET", "path": parsed.path, "query": query, "collection": collection,
                            "offset": offset, "user_agent": self.headers.get("User-Agent", "")})
            queued = api.faults.get((collection, offset), [])
            fault = queued.pop(0) if queued else api.always.get((collection, offset))
        unknown = sorted(set(query) - KNOWN)
        if unknown:
            self._problem(400, f"unknown query parameter(s) found: {unknown[0]}")
            return
        if collection not in api.collections or fault == "404":
            self._problem(404, f"collection {collection} not found")
            return
        if offset < 0:
            self._problem(400, "invalid cursor")
            return
        try:
            limit = int(query.get("limit", api.default_limit))
        except ValueError:
            self._problem(400, "limit must be numeric")
            return
        if limit < 0:
            self._problem(400, "limit can't be negative")
            return
        limit = min(limit, api.max_limit)
        crs = query.get("crs", CRS84)
        bbox_crs = query.get("bbox-crs")
        for name, value in (("crs", crs), ("bbox-crs", bbox_crs)):
            if value is not None and value not in (RD, CRS84):
                self._problem(400, f"{name} param should be a supported CRS URI, got: {value}")
                return
        if bbox_crs is not None and "bbox" not in query:
            self._problem(400, "bbox-crs can't be used without bbox parameter")
            return
        if "datetime" in query and collection not in api.temporal:
            self._problem(400, "datetime param is currently not supported for this collection")
            return
        feats = api.collections[collection]
        if "bbox" in query:
            try:
                box = [float(v) for v in query["bbox"].split(",")]
                assert len(box) == 4
            except (ValueError, AssertionError):
                self._problem(400, "bbox should contain exactly 4 values separated by commas: minx,miny,maxx,maxy")
                return
            if bbox_crs != RD:  # CRS84 box: to RD
                x0, y0 = _TO_RD.transform(box[0], box[1])
                x1, y1 = _TO_RD.transform(box[2], box[3])
                box = [x0, y0, x1, y1]
            area = shapely.box(*box)
            feats = [f for f in feats if _in_box(f, area)]
        self._respond(collection, offset, limit, pairs, feats, crs, fault)

    def _respond(self, collection: str, offset: int, limit: int, pairs: list[tuple[str, str]],
                 feats: list[dict], crs: str, fault: str | None) -> None:
        api = self.api
        if fault == "500":
            self._send(500, b'{"detail": "internal error"}', ctype="application/json")
            return
        if fault == "503-retry-after":
            self._send(503, b'{"detail": "busy"}', ctype="application/json", headers={"Retry-After": "7"})
            return
        if fault == "sleep":
            time.sleep(api.sleep_s)
        if fault == "malformed":
            self._send(200, b'{"type": "FeatureCollection", "features": [ {"type": Feature} ]}')
            return
        served = CRS84 if api.ignore_crs else crs
        chunk = [self._in_crs(f, served) for f in feats[offset: offset + limit]]
        doc: dict[str, Any] = {
            "type": "FeatureCollection",
            "timeStamp": "2026-01-01T00:00:00Z",
            "links": [{"rel": "self", "type": "application/geo+json", "title": "This document as GeoJSON",
                       "href": api.url + self.path}],
            "features": chunk,
            "numberReturned": len(chunk) + (1 if fault == "wrong-returned" else 0),
        }
        if collection in api.number_matched:
            doc["numberMatched"] = api.number_matched[collection]
        if offset + limit < len(feats) or fault == "self-loop":
            nxt = [(k, v) for k, v in pairs if k not in ("cursor", "f")]
            if fault == "drop-crs-in-next":
                nxt = [(k, v) for k, v in nxt if k != "crs"]
            nxt += [("f", "json"), ("cursor", _cursor(offset if fault == "self-loop" else offset + limit))]
            path = urllib.parse.urlsplit(self.path).path
            qs = urllib.parse.urlencode(nxt)
            host = "http://127.0.0.2:9" if fault == "foreign-next" else api.url
            href = f"items?{qs}" if api.relative_links else f"{host}{path}?{qs}"
            doc["links"].append({"rel": "next", "type": "application/geo+json", "title": "Next page", "href": href})
        body = json.dumps(doc).encode()
        headers = {}
        if api.content_crs == "served":
            headers["Content-Crs"] = f"<{served}>"
        elif api.content_crs is not None:
            headers["Content-Crs"] = f"<{api.content_crs}>"
        if fault == "truncate":
            self._send(200, body[: len(body) // 2], headers=headers, length=len(body))
            self.close_connection = True
            return
        self._send(200, body, headers=headers)

    @staticmethod
    def _in_crs(f: dict, crs: str) -> dict:
        if crs == RD or f.get("geometry") is None:
            return f
        geom = shapely.transform(shape(f["geometry"]), lambda xy: _to_wgs84(xy))
        return {**f, "geometry": mapping(geom)}

    # -------------------------------------------------------------------------- BGT download API

    def _bgt_request(self, body: bytes) -> None:
        api = self.api
        try:
            req = json.loads(body)
            types, fmt, wkt = req["featuretypes"], req["format"], req["geofilter"]
            geom = shapely.from_wkt(wkt)
        except (ValueError, KeyError, TypeError, shapely.errors.ShapelyError):
            self._problem(400, "invalid request: featuretypes, format and geofilter (WKT) are required")
            return
        if set(req) - {"featuretypes", "format", "geofilter"}:
            self._problem(400, "unknown field(s)")
            return
        if fmt not in ("citygml", "gmllight", "stufgeo") or not isinstance(types, list) or not types:
            self._problem(400, "format must be citygml, gmllight or stufgeo; featuretypes a non-empty list")
            return
        polys = [geom] if geom.geom_type == "Polygon" else list(getattr(geom, "geoms", []))
        if geom.geom_type not in ("Polygon", "MultiPolygon") or any(p.interiors for p in polys):
            self._problem(400, "geofilter must be a Polygon or MultiPolygon without inner rings")
            return
        with api.lock:
            rid = f"req-{len(api.bgt_requests) + 1:04d}"
            api.bgt_requests[rid] = {"request": req, "polls": 0}
        links = {"status": {"href": f"{BGT_API}/full/custom/{rid}/status"}}
        self._send(202, json.dumps({"downloadRequestId": rid, "_links": links}).encode(), ctype="application/json")

    def _bgt_get(self, parsed: urllib.parse.SplitResult) -> None:
        api = self.api
        with api.lock:
            api.log.append({"method": "GET", "path": parsed.path, "range": self.headers.get("Range")})
        parts = parsed.path[len(BGT_API):].strip("/").split("/")
        if len(parts) != 4 or parts[:2] != ["full", "custom"] or parts[3] not in ("status", "download"):
            self._problem(404, "not found")
            return
        rid, what = parts[2], parts[3]
        with api.lock:
            req = api.bgt_requests.get(rid)
            wanted = {"status": "status-404", "download": "truncate-download"}[what]
            fault = api.bgt_faults.pop(0) if api.bgt_faults[:1] == [wanted] else None
        if req is None or (fault == "status-404" and what == "status"):
            self._problem(404, f"download request {rid} not found")
            return
        if what == "status":
            with api.lock:
                req["polls"] += 1
                polls = req["polls"]
            if polls <= api.bgt_polls_needed:
                status = "PENDING" if polls == 1 else "RUNNING"
                doc: dict[str, Any] = {"downloadRequestId": rid, "status": status,
                                       "progress": int(100 * (polls - 1) / max(1, api.bgt_polls_needed))}
            else:
                doc = {"downloadRequestId": rid, "status": api.bgt_final_status, "progress": 100}
                if api.bgt_final_status == "COMPLETED":
                    doc["_links"] = {"download": {"href": f"{BGT_API}/full/custom/{rid}/download"}}
            self._send(200, json.dumps(doc).encode(), ctype="application/json")
            return
        data = bgt_zip(api.bgt_files)
        start = 0
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[6:-1])
        if start >= len(data) and start:
            self._send(416, b"")
            return
        body = data[start:]
        code = 206 if start else 200
        headers = {"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"} if start else {}
        if fault == "truncate-download":
            self._send(code, body[: len(body) // 2], ctype="application/zip", headers=headers, length=len(body))
            self.close_connection = True
            return
        self._send(code, body, ctype="application/zip", headers=headers)


def _in_box(f: dict, area: shapely.Polygon) -> bool:
    """Whether a feature lies in the query box (a broken geometry is served as it is)."""
    if f.get("geometry") is None:
        return True
    try:
        return bool(shape(f["geometry"]).intersects(area))
    except (ValueError, TypeError, KeyError, shapely.errors.ShapelyError):
        return True


def _to_wgs84(xy: Any) -> Any:
    import numpy as np

    x, y = _TO_WGS84.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


@contextlib.contextmanager
def serve() -> Iterator[FakePdok]:
    """Run a :class:`FakePdok` on 127.0.0.1 (port chosen by the OS) for the ``with`` block."""
    api = FakePdok()
    handler = type("Handler", (_Handler,), {"api": api})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    api.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        httpd.shutdown()
        httpd.server_close()


__all__ = ["BGT_API", "CRS84", "RD", "FakePdok", "bgt_wegdeel_gml", "bgt_zip", "feature", "points", "serve"]
