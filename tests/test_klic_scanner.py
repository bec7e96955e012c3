"""The compiled KLIC scanner (wlr_geo/klic/_scan.pyx) gives what the pure-Python walk gives.

The scanner is an optional speed-up: both walks must produce the same ``RawDelivery`` on every
input, the real deliveries and generated features full of the odd cases the Python code
handles (comments between properties, missing ids and links, CDATA, commas and exponents in
coordinates, 3D and RD + NAP lines, curves, points with their own srsDimension, IMKL 1.2.1
names, unknown and skipped types, broken numbers). CI sets ``WLR_GEO_REQUIRE_SCANNER=1``, so
there the scanner must be built and these tests cannot skip.
"""

from __future__ import annotations

import dataclasses
import io
import os
import random
from pathlib import Path
from typing import Any

import pytest
from _imkl import HEAD, IMKL2

from wlr_geo._errors import WlrGeoError
from wlr_geo.catalog import embedded_path
from wlr_geo.io.klic import _imkl2, scanner_status
from wlr_geo.io.klic._delivery import discover
from wlr_geo.io.klic._imkl2 import parse_stream

REQUIRED = os.environ.get("WLR_GEO_REQUIRE_SCANNER", "") not in ("", "0")
needs_scanner = pytest.mark.skipif(
    _imkl2._SCANNER is None and not REQUIRED, reason=scanner_status()
)


def test_scanner_is_in_use_where_required():
    if not REQUIRED:
        pytest.skip("WLR_GEO_REQUIRE_SCANNER is not set (only CI requires the compiled scanner)")
    assert _imkl2._SCANNER is not None, scanner_status()
    assert scanner_status() == "compiled scanner in use"


@needs_scanner
def test_scanner_switch_and_version_check(monkeypatch):
    monkeypatch.setattr(_imkl2, "_SCANNER", _imkl2._SCANNER)
    monkeypatch.setattr(_imkl2, "_SCANNER_PROBLEM", _imkl2._SCANNER_PROBLEM)
    monkeypatch.setenv("WLR_GEO_KLIC_PURE_PYTHON", "1")
    _imkl2._load_scanner()
    assert _imkl2._SCANNER is None
    assert scanner_status() == "pure Python: the compiled scanner is switched off with WLR_GEO_KLIC_PURE_PYTHON"
    monkeypatch.setenv("WLR_GEO_KLIC_PURE_PYTHON", "0")
    monkeypatch.setattr(_imkl2, "_SCAN_FORMAT", -1)  # as if the build were left from another version
    _imkl2._load_scanner()
    assert _imkl2._SCANNER is None
    assert "built from another version of wlr_geo" in scanner_status()
    monkeypatch.undo()
    assert _imkl2._SCANNER is not None


def _comparable(raw: Any) -> dict[str, Any]:
    """A RawDelivery as plain data (geometries as WKB, arrays as lists)."""
    d = dataclasses.asdict(raw)
    for name in ("points", "depths", "areas"):
        d[name] = [(a, b, c, g.wkb, e) for a, b, c, g, e in getattr(raw, name)]
    d["request_areas"] = [(a, b, g.wkb) for a, b, g in raw.request_areas]
    d["precaution_areas"] = [(a, b, None if g is None else g.wkb, e) for a, b, g, e in raw.precaution_areas]
    d["links"] = {k: (v[0].tolist(), *v[1:]) for k, v in raw.links.items()}
    d["counts"] = list(raw.counts.items())  # order too: reports list types in this order
    d["ids"] = list(raw.ids.items())
    return d


def _both(data: bytes, source: str = "test.xml") -> tuple[Any, Any]:
    """(scanner result, pure-Python result); each is a RawDelivery or the error raised."""
    out = []
    for accelerate in (True, False):
        try:
            out.append(_comparable(parse_stream(io.BytesIO(data), source=source, accelerate=accelerate)))
        except WlrGeoError as exc:
            out.append((type(exc).__name__, str(exc)))
    return out[0], out[1]


def _sample_xmls() -> list[tuple[str, bytes]]:
    paths = [embedded_path(f"klic/{n}") for n in
             ("Levering_22C001966_3.zip", "Levering_22G003180_1.zip", "Levering_22O000518_1.zip")]
    paths += sorted(Path(embedded_path("klic/imkl1.2.1")).iterdir())
    out = []
    for path in paths:
        for src in discover(path):
            with src.open_xml() as fh:
                out.append((src.label, fh.read()))
    return out


@needs_scanner
def test_scanner_equals_python_walk_on_every_sample_delivery():
    samples = _sample_xmls()
    assert len(samples) >= 6
    for label, data in samples:
        fast, slow = _both(data, label)
        assert isinstance(fast, dict), fast
        assert fast == slow, label


# ------------------------------------------------------------------ generated odd features

IMKL1 = "http://www.geostandaarden.nl/imkl/2015/wion/1.2"
SRS = ["urn:ogc:def:crs:EPSG::28992", "urn:ogc:def:crs:EPSG::7415", "EPSG:4326", None, ""]


def _coords(rng: random.Random, n: int, dim: int) -> list[str]:
    vals = []
    for _ in range(n):
        x, y = 90_000 + rng.random() * 1000, 463_000 + rng.random() * 1000
        pt = [x, y] + ([rng.random() * 3] * (dim == 3))
        for v in pt:
            vals.append(rng.choice([f"{v:.3f}", f"{v:.6e}", f"{v:.6E}", f"{v:.12g}", f"+{v:.2f}", f"{v:.0f}."]))
    return vals


def _pos_list(rng: random.Random, n: int, dim: int) -> str:
    vals = _coords(rng, n, dim)
    r = rng.random()
    if r < 0.08:
        vals[0] = "12,5"  # a comma inside
    elif r < 0.12:
        vals[-1] = "x1"  # not a number
    elif r < 0.16:
        vals = vals[:-1]  # odd count
    elif r < 0.19:
        vals[0] = "1_000"  # Python float() accepts underscores
    elif r < 0.22:
        vals[0] = "\u0661\u0662"  # Arabic-Indic digits: float() accepts them too
    elif r < 0.25:
        vals[0] = "inf"
    sep = rng.choice([" ", "  ", "\n", "\t", " \n "])
    text = sep.join(vals)
    if rng.random() < 0.05:
        text = f"<![CDATA[{text}]]>"
    if rng.random() < 0.05:
        text = "\u00a0" + text  # a non-ASCII space
    return text


def _attrs(rng: random.Random, names: list[str]) -> str:
    out = []
    for name in names:
        if rng.random() < 0.5:
            value = rng.choice(["2", "3", " 2 ", "4", ""]) if name == "srsDimension" else rng.choice(SRS)
            if value is not None:
                out.append(f' {name}="{value}"')
    return "".join(out)


def _line_geometry(rng: random.Random) -> str:
    kind = rng.random()
    dim = rng.choice([2, 2, 2, 3])
    if kind < 0.7:
        comment = "<!-- c -->" if rng.random() < 0.1 else ""
        extra = "<gml:posList>1 2 3 4</gml:posList>" if rng.random() < 0.05 else ""
        pl_attr = ' srsDimension="3"' if rng.random() < 0.1 else ""
        return (f'<gml:LineString gml:id="g"{_attrs(rng, ["srsName", "srsDimension"])}>{comment}'
                f"<gml:posList{pl_attr}>{_pos_list(rng, rng.randint(1, 5), dim)}</gml:posList>{extra}"
                "</gml:LineString>")
    if kind < 0.85:
        a = _coords(rng, 2, 2)
        return ('<gml:Curve srsName="urn:ogc:def:crs:EPSG::28992"><gml:segments><gml:LineStringSegment>'
                f'<gml:posList>{" ".join(a)}</gml:posList></gml:LineStringSegment></gml:segments></gml:Curve>')
    if kind < 0.92:
        return f'<gml:Point srsName="urn:ogc:def:crs:EPSG::28992"><gml:pos>{" ".join(_coords(rng, 1, 2))}</gml:pos></gml:Point>'
    return ""  # no geometry at all


def _point_geometry(rng: random.Random) -> str:
    dim = rng.choice([2, 2, 3])
    r = rng.random()
    pos_attr = f' srsDimension="{rng.choice(["2", "3", " 3", "5"])}"' if rng.random() < 0.15 else ""
    text = " ".join(_coords(rng, 1, dim))
    if r < 0.1:
        text = text.replace(" ", ",", 1)
    elif r < 0.15:
        text = "5.0 52.0"  # degrees: outside RD
    elif r < 0.2:
        text = ""
    if rng.random() < 0.1:
        return (f'<gml:MultiPoint srsName="urn:ogc:def:crs:EPSG::28992"><gml:pointMember><gml:Point>'
                f"<gml:pos>{text}</gml:pos></gml:Point></gml:pointMember></gml:MultiPoint>")
    comment = "<!-- c -->" if rng.random() < 0.1 else ""
    second = rng.choice(["", "", "", "<!-- after -->", f"<gml:pos>{text}</gml:pos>"])
    return (f'<gml:Point gml:id="p"{_attrs(rng, ["srsName", "srsDimension"])}>{comment}'
            f"<gml:pos{pos_attr}>{text}</gml:pos>{second}</gml:Point>")


def _gml_id(rng: random.Random, prefix: str, i: int) -> str:
    r = rng.random()
    if r < 0.05:
        return ""
    if r < 0.08:
        return ' gml:id=""'
    if r < 0.1:
        return f' xmlns:g1="http://www.opengis.net/gml" g1:id="{prefix}{i}"'
    return f' gml:id="{prefix}{i}"'


def _text(rng: random.Random, value: str) -> str:
    return rng.choice([value, f" {value} ", f"<![CDATA[{value}]]>", "", f"{value}<!-- x -->tail"])


def _element(rng: random.Random, i: int, n_links: int) -> str:
    typ = rng.choice(["ThermischePijpleiding", "Elektriciteitskabel", "Mantelbuis", "OlieGasChemicalienPijpleiding",
                      "Telecommunicatiekabel", "Kabelbed"])
    props = []
    for _ in range(rng.randint(0, 3)):
        props.append(f'<net:link xlink:href="{rng.choice(["", "L" + str(rng.randrange(n_links)), "nope"])}"/>')
    if rng.random() < 0.1:
        props.append("<net:link/>")
    if rng.random() < 0.8:
        props.append(f'<net:inNetwork xlink:href="net{rng.randrange(3)}"/>')
    if rng.random() < 0.8:
        props.append(f'<us-net-common:currentStatus xlink:href="http://x/ConditionOfFacilityValue/{rng.choice(["functional", "projected", ""])}"/>')
    if rng.random() < 0.6:
        uom = rng.choice(["", ' uom="mm"', ' uom="urn:ogc:def:uom:OGC::cm"', ' uom="inch"', ' uom="furlong"'])
        props.append(f"<us-net-common:pipeDiameter{uom}>{_text(rng, rng.choice(['110', '0', '-3', 'abc', '1e2']))}</us-net-common:pipeDiameter>")
    if rng.random() < 0.3:
        props.append(f'<us-net-common:nominalVoltage uom="{rng.choice(["V", "kV", "MV"])}">{rng.choice(["400", "10", "x"])}</us-net-common:nominalVoltage>')
    if rng.random() < 0.3:
        props.append(f'<us-net-common:pressure uom="{rng.choice(["bar", "mbar", "Pa"])}">{rng.choice(["8", "0.1", ""])}</us-net-common:pressure>')
    if rng.random() < 0.5:
        props.append(f'<imkl:buismateriaalType xlink:href="http://x/Materiaal/{rng.choice(["PE", "staal", ""])}"/>')
    if rng.random() < 0.3:
        props.append(f"<imkl:materiaal>{_text(rng, 'koper')}</imkl:materiaal>")
    if rng.random() < 0.3:
        props.append(f"<imkl:aantalKabelsLeidingen>{rng.choice(['3', ' 4', 'x', ''])}</imkl:aantalKabelsLeidingen>")
    if rng.random() < 0.4:
        props.append(f"<imkl:label>{_text(rng, rng.choice(['L1', 'ø 110 mm', 'a&amp;b']))}</imkl:label>")
    if rng.random() < 0.2:
        props.append("<?pi x?>")
    if rng.random() < 0.2:
        props.append("<!-- comment -->")
    if rng.random() < 0.1:
        props.append('<us-net-common:currentStatus xlink:href="second/ignored"/>')
    rng.shuffle(props)
    return f"<imkl:{typ}{_gml_id(rng, 'E', i)}>{''.join(props)}</imkl:{typ}>"


def _link(rng: random.Random, i: int) -> str:
    props = []
    if rng.random() < 0.9:
        props.append(f"<net:centrelineGeometry>{'<!-- c -->' if rng.random() < 0.1 else ''}"
                     f"{_line_geometry(rng)}</net:centrelineGeometry>")
    if rng.random() < 0.05:
        props.append("<net:centrelineGeometry><gml:LineString><gml:posList>1 2</gml:posList></gml:LineString></net:centrelineGeometry>")
    if rng.random() < 0.8:
        props.append(f'<net:inNetwork xlink:href="net{rng.randrange(3)}"/>')
    if rng.random() < 0.1:
        props.append('<net:inNetwork xlink:href="second"/>')
    if rng.random() < 0.3:
        props.append('<net:fictitious>false</net:fictitious>')
    rng.shuffle(props)
    gid = f' gml:id="L{i}"' if rng.random() > 0.03 else ""
    return f"<net:UtilityLink{gid}>{''.join(props)}</net:UtilityLink>"


def _point(rng: random.Random, i: int) -> str:
    typ = rng.choice(["Appurtenance", "Kast", "Mangat", "Leidingelement"])
    props = [f"<net:geometry>{_point_geometry(rng)}</net:geometry>"] if rng.random() < 0.9 else []
    if rng.random() < 0.1:
        props.append("<net:geometry/>")
    if rng.random() < 0.7:
        props.append(f'<net:inNetwork xlink:href="net{rng.randrange(3)}"/>')
    if rng.random() < 0.5:
        props.append('<us-net-common:appurtenanceType xlink:href="http://x/AppurtenanceTypeValue/valve"/>')
    if rng.random() < 0.5:
        props.append(f"<us-net-common:verticalPosition>{_text(rng, 'underground')}</us-net-common:verticalPosition>")
    if rng.random() < 0.3:
        props.append(f"<imkl:label>{_text(rng, 'K1')}</imkl:label>")
    rng.shuffle(props)
    return f"<imkl:{typ}{_gml_id(rng, 'P', i)}>{''.join(props)}</imkl:{typ}>"


def _other(rng: random.Random, i: int) -> str:
    return rng.choice([
        f'<imkl:Annotatie gml:id="A{i}"><imkl:label>x</imkl:label></imkl:Annotatie>',
        "<imkl:Maatvoering/>",
        f'<imkl:Utiliteitsnet gml:id="net{i % 3}"><imkl:thema xlink:href="http://x/Thema/warmte"/></imkl:Utiliteitsnet>',
        f'<imkl:NieuwType gml:id="N{i}"><net:link xlink:href="L1"/></imkl:NieuwType>',
        f'<imkl:Aandachtsgebied gml:id="O{i}"/>',
        f'<Elektriciteitskabel gml:id="X{i}"><link xlink:href="L2"/></Elektriciteitskabel>',  # no namespace
        "<!-- a comment as a feature -->",
    ])


def _generated(seed: int, n: int = 300) -> bytes:
    rng = random.Random(seed)
    n_links = n // 3
    members = []
    for i in range(n):
        r = rng.random()
        if r < 0.35:
            feats = [_link(rng, i % n_links if rng.random() < 0.95 else i)]
        elif r < 0.65:
            feats = [_element(rng, i, n_links)]
        elif r < 0.85:
            feats = [_point(rng, i)]
        else:
            feats = [_other(rng, i)]
        if rng.random() < 0.05:  # two features in one member
            feats.append(_element(rng, i + n, n_links))
        members.append(f"<gml:featureMember>{''.join(feats)}</gml:featureMember>\n")
    ns = IMKL1 if seed % 4 == 3 else IMKL2
    return (HEAD.format(ns=ns) + "".join(members) + "</gml:FeatureCollection>\n").encode()


@needs_scanner
@pytest.mark.parametrize("seed", range(12))
def test_scanner_equals_python_walk_on_generated_odd_features(seed):
    data = _generated(seed)
    fast, slow = _both(data)
    assert fast == slow
    assert isinstance(fast, dict), fast  # the generator makes deliveries, not fatal errors


def test_generated_features_exercise_the_odd_cases():
    """The generator really makes what the comparison is meant to cover (else it proves little)."""
    raw = parse_stream(io.BytesIO(_generated(0, 600)), source="gen.xml", accelerate=False)
    problems = " | ".join(msg for _, msg in raw.geometry_problems)
    assert "not a multiple of srsDimension" in problems
    assert "not numbers" in problems
    assert "outside the RD" in problems
    assert "is not RD New" in problems
    assert "gml:Point with 2 positions" in problems
    assert raw.unknown_types["NieuwType"] > 0
    assert raw.counts["Orientatiepolygoon"] > 0  # the IMKL 1.2.1 name, renamed
    assert any(g.startswith("<") for g in raw.ids)  # features without gml:id
    assert any(z is not None for _, (xy, z, _z, _n) in raw.links.items())  # 3D lines
    assert len(raw.points) > 0 and len(raw.elements) > 0 and len(raw.links) > 0
