"""The IMKL parser on generated features full of odd but legal XML, with GDAL as the oracle.

The generator writes what real files may hold and a careless parser gets wrong: comments and
processing instructions between properties, CDATA, exponents, a leading ``+`` or a trailing
``.`` in numbers, tabs and newlines between coordinates, 3D lines under RD + NAP (EPSG:7415)
or with ``srsDimension`` on the LineString or the posList, curves, IMKL 1.2.1 names, unknown
and skipped types. In its clean form every feature is valid, and GDAL's GML driver must read
the same centre lines (per-link length and Z range) and the same points. In its broken form
it adds damaged values (odd counts, letters, degrees, other CRSs) and the test checks that each
is reported, not silently read.
"""

from __future__ import annotations

import csv
import io
import random
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from _imkl import HEAD, IMKL2

from wlr_geo.io.klic._imkl2 import parse_stream

IMKL1 = "http://www.geostandaarden.nl/imkl/2015/wion/1.2"
RD = "urn:ogc:def:crs:EPSG::28992"
RD_NAP = "urn:ogc:def:crs:EPSG::7415"


def _numbers(rng: random.Random, n: int, dim: int) -> list[str]:
    vals = []
    for _ in range(n):
        x, y = 90_000 + rng.random() * 1000, 463_000 + rng.random() * 1000
        pt = [x, y] + ([rng.random() * 3] * (dim == 3))
        for v in pt:
            vals.append(rng.choice([f"{v:.3f}", f"{v:.6e}", f"{v:.6E}", f"{v:.12g}", f"+{v:.2f}", f"{v:.0f}."]))
    return vals


def _pos_list(rng: random.Random, n: int, dim: int, broken: bool) -> str:
    vals = _numbers(rng, n, dim)
    if broken:
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
    text = rng.choice([" ", "  ", "\n", "\t", " \n "]).join(vals)
    if rng.random() < 0.05:
        text = f"<![CDATA[{text}]]>"
    if broken and rng.random() < 0.05:
        text = "\u00a0" + text  # a non-ASCII space
    return text


def _line_attrs(rng: random.Random, dim: int, broken: bool) -> str:
    """srsName/srsDimension on the LineString: any combination that states ``dim`` rightly
    (``broken``: also wrong or foreign values)."""
    if broken:
        out = ""
        if rng.random() < 0.5:
            out += f' srsName="{rng.choice([RD, RD_NAP, "EPSG:4326", ""])}"'
        if rng.random() < 0.5:
            out += f' srsDimension="{rng.choice(["2", "3", " 2 ", "4", ""])}"'
        return out
    if dim == 2:
        return rng.choice(["", f' srsName="{RD}"', f' srsName="{RD}" srsDimension="2"'])
    # (GDAL does not take the dimension from EPSG:7415 alone; wlr_geo does, tested elsewhere)
    return rng.choice([f' srsName="{RD}" srsDimension="3"', f' srsName="{RD_NAP}" srsDimension="3"'])


def _line_geometry(rng: random.Random, broken: bool) -> str:
    kind = rng.random()
    dim = rng.choice([2, 2, 2, 3])
    if kind < 0.75:
        comment = "<!-- c -->" if rng.random() < 0.1 else ""
        extra = "<gml:posList>1 2 3 4</gml:posList>" if broken and rng.random() < 0.05 else ""
        attrs = _line_attrs(rng, dim, broken)
        pl_attr = ""
        if dim == 3 and not broken and rng.random() < 0.3:  # the dimension on the posList only
            attrs, pl_attr = "", ' srsDimension="3"'
        elif broken and rng.random() < 0.1:
            pl_attr = ' srsDimension="3"'
        n = rng.randint(1, 5) if broken else rng.randint(2, 5)
        return (f'<gml:LineString gml:id="g"{attrs}>{comment}'
                f"<gml:posList{pl_attr}>{_pos_list(rng, n, dim, broken)}</gml:posList>{extra}"
                "</gml:LineString>")
    if kind < 0.9 or not broken:
        a = _numbers(rng, 3, 2)
        return (f'<gml:Curve srsName="{RD}"><gml:segments><gml:LineStringSegment>'
                f'<gml:posList>{" ".join(a)}</gml:posList></gml:LineStringSegment></gml:segments></gml:Curve>')
    if kind < 0.95:
        return f'<gml:Point srsName="{RD}"><gml:pos>{" ".join(_numbers(rng, 1, 2))}</gml:pos></gml:Point>'
    return ""  # no geometry at all


def _point_geometry(rng: random.Random, broken: bool) -> str:
    dim = rng.choice([2, 2, 3])
    text = " ".join(_numbers(rng, 1, dim))
    srs = f' srsName="{RD}"' + (' srsDimension="3"' if dim == 3 else "")
    pos_attr = ""
    if dim == 3 and rng.random() < 0.3:
        srs, pos_attr = f' srsName="{RD}"', ' srsDimension="3"'
    if broken:
        r = rng.random()
        if r < 0.1:
            text = text.replace(" ", ",", 1)
        elif r < 0.15:
            text = "5.0 52.0"  # degrees: outside RD
        elif r < 0.2:
            text = ""
        if rng.random() < 0.15:
            pos_attr = f' srsDimension="{rng.choice(["2", "3", " 3", "5"])}"'
    if broken and rng.random() < 0.1:  # (GDAL gives a layer of Points and MultiPoints no type)
        return (f'<gml:MultiPoint{srs}><gml:pointMember><gml:Point>'
                f"<gml:pos{pos_attr}>{text}</gml:pos></gml:Point></gml:pointMember></gml:MultiPoint>")
    comment = "<!-- c -->" if rng.random() < 0.1 else ""
    second = rng.choice(["", "", "", "<!-- after -->"] + ([f"<gml:pos>{text}</gml:pos>"] if broken else []))
    return f'<gml:Point gml:id="p"{srs}>{comment}<gml:pos{pos_attr}>{text}</gml:pos>{second}</gml:Point>'


def _gml_id(rng: random.Random, prefix: str, i: int, broken: bool) -> str:
    if broken:
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


def _element(rng: random.Random, i: int, n_links: int, broken: bool) -> str:
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
    if rng.random() < 0.5:
        props.append(f'<imkl:buismateriaalType xlink:href="http://x/Materiaal/{rng.choice(["PE", "staal", ""])}"/>')
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
    return f"<imkl:{typ}{_gml_id(rng, 'E', i, broken)}>{''.join(props)}</imkl:{typ}>"


def _link(rng: random.Random, i: int, broken: bool) -> str:
    props = []
    if rng.random() < 0.9 or not broken:
        props.append(f"<net:centrelineGeometry>{'<!-- c -->' if rng.random() < 0.1 else ''}"
                     f"{_line_geometry(rng, broken)}</net:centrelineGeometry>")
    if broken and rng.random() < 0.05:
        props.append("<net:centrelineGeometry><gml:LineString><gml:posList>1 2</gml:posList></gml:LineString></net:centrelineGeometry>")
    if rng.random() < 0.8:
        props.append(f'<net:inNetwork xlink:href="net{rng.randrange(3)}"/>')
    if rng.random() < 0.3:
        props.append("<net:fictitious>false</net:fictitious>")
    rng.shuffle(props)
    gid = f' gml:id="L{i}"' if not broken or rng.random() > 0.03 else ""
    return f"<net:UtilityLink{gid}>{''.join(props)}</net:UtilityLink>"


def _point(rng: random.Random, i: int, broken: bool) -> str:
    typ = rng.choice(["Appurtenance", "Kast", "Mangat"])
    props = [f"<net:geometry>{_point_geometry(rng, broken)}</net:geometry>"]
    if rng.random() < 0.7:
        props.append(f'<net:inNetwork xlink:href="net{rng.randrange(3)}"/>')
    if rng.random() < 0.5:
        props.append('<us-net-common:appurtenanceType xlink:href="http://x/AppurtenanceTypeValue/valve"/>')
    if rng.random() < 0.5:
        props.append(f"<us-net-common:verticalPosition>{_text(rng, 'underground')}</us-net-common:verticalPosition>")
    rng.shuffle(props)
    return f"<imkl:{typ}{_gml_id(rng, 'P', i, broken)}>{''.join(props)}</imkl:{typ}>"


def _other(rng: random.Random, i: int) -> str:
    return rng.choice([
        f'<imkl:Annotatie gml:id="A{i}"><imkl:label>x</imkl:label></imkl:Annotatie>',
        f'<imkl:Utiliteitsnet gml:id="net{i % 3}"><imkl:thema xlink:href="http://x/Thema/warmte"/></imkl:Utiliteitsnet>',
        f'<imkl:NieuwType gml:id="N{i}"><net:link xlink:href="L1"/></imkl:NieuwType>',
        f'<imkl:Aandachtsgebied gml:id="O{i}"/>',
        "<!-- a comment as a feature -->",
    ])


def generated(seed: int, n: int = 300, *, broken: bool = True) -> bytes:
    """An IMKL FeatureCollection of ``n`` generated members (see the module docstring)."""
    rng = random.Random(seed)
    n_links = n // 3
    members = []
    for i in range(n):
        r = rng.random()
        if r < 0.35:
            feats = [_link(rng, i % n_links if rng.random() < 0.95 else i, broken)]
        elif r < 0.65:
            feats = [_element(rng, i, n_links, broken)]
        elif r < 0.85:
            feats = [_point(rng, i, broken)]
        else:
            feats = [_other(rng, i)]
        if rng.random() < 0.05:  # two features in one member
            feats.append(_element(rng, i + n, n_links, broken))
        members.append(f"<gml:featureMember>{''.join(feats)}</gml:featureMember>\n")
    ns = IMKL1 if seed % 4 == 3 else IMKL2
    return (HEAD.format(ns=ns) + "".join(members) + "</gml:FeatureCollection>\n").encode()


def _gdal_layer(path: Path, layer: str) -> dict[str, list[np.ndarray]]:
    """gml_id → the XYZ coordinates of each of its rows in GDAL's ``layer``."""
    df = pyogrio.read_dataframe(path, layer=layer, WRITE_GFS="NO")
    out: dict[str, list[np.ndarray]] = {}
    for gid, geom in zip(df["gml_id"], df.geometry, strict=True):
        out.setdefault(gid, []).append(shapely.get_coordinates(geom, include_z=True))
    return out


def _gdal_points(path: Path, layer: str, tmp: Path) -> dict[str, np.ndarray]:
    """gml_id → XYZ of the last row of that id in GDAL's point ``layer``, through ogr2ogr
    (pyogrio cannot type a GML layer that mixes 2D and 3D points)."""
    out_csv = tmp / f"{layer}.csv"
    subprocess.run(["ogr2ogr", "-f", "CSV", str(out_csv), str(path), layer, "-oo", "WRITE_GFS=NO",
                    "-lco", "GEOMETRY=AS_WKT"], check=True, capture_output=True)
    out: dict[str, np.ndarray] = {}
    with open(out_csv, newline="") as fh:
        for row in csv.DictReader(fh):
            out[row["gml_id"]] = shapely.get_coordinates(shapely.from_wkt(row["WKT"]), include_z=True)[0]
    return out


def _length(xy: np.ndarray) -> float:
    return float(np.hypot(*np.diff(xy[:, :2], axis=0).T).sum())


@pytest.mark.parametrize("seed", range(8))
def test_clean_odd_features_read_as_gdal_reads_them(seed, tmp_path):
    data = generated(seed, broken=False)
    path = tmp_path / "odd.xml"
    path.write_bytes(data)
    raw = parse_stream(io.BytesIO(data), source=str(path))
    assert not raw.geometry_problems
    # every UtilityLink: the same centre line (length, ends) and Z range as GDAL
    gdal = _gdal_layer(path, "UtilityLink")
    assert set(raw.links) == set(gdal)
    n3d = 0
    for gid, (xy, zmin, zmax, _net) in raw.links.items():
        ref = gdal[gid][-1]  # an id given twice: the parser keeps the last one
        assert _length(xy) == pytest.approx(_length(ref), abs=1e-9), gid
        assert np.allclose(xy[[0, -1]], ref[[0, -1], :2], atol=1e-9), gid
        if zmin is None:
            assert np.isnan(ref[:, 2]).all() or (ref[:, 2] == 0).all(), gid
        else:
            n3d += 1
            assert (zmin, zmax) == pytest.approx((ref[:, 2].min(), ref[:, 2].max()), abs=1e-12), gid
    assert n3d > 0  # the generator made 3D lines
    # every point element: the same position
    ours = {gid: (g, a) for _t, gid, _n, g, a in raw.points}
    if shutil.which("ogr2ogr") is None:
        pytest.skip("ogr2ogr (gdal-bin) is not installed; .ci/run installs it")
    n_points = n3d = 0
    for layer in sorted({t for t, *_ in raw.points}):
        for gid, ref in _gdal_points(path, layer, tmp_path).items():
            geom, attrs = ours[gid]
            assert np.allclose(shapely.get_coordinates(geom)[0], ref[:2], atol=1e-6), gid
            if np.isnan(ref[2]):
                assert "z_min_m" not in attrs, gid
            else:  # 3D points: the height is kept as z_min_m = z_max_m
                n3d += 1
                assert attrs["z_min_m"] == attrs["z_max_m"] == pytest.approx(ref[2], abs=1e-6), gid
            n_points += 1
    assert n_points == len(ours) and 0 < n3d < n_points  # 2D and 3D points, all compared


def test_broken_features_are_reported_not_read():
    """The broken form really makes what the parser must report (else the test proves little)."""
    raw = parse_stream(io.BytesIO(generated(0, 600)), source="gen.xml")
    problems = " | ".join(msg for _, msg in raw.geometry_problems)
    assert "geen veelvoud van srsDimension" in problems
    assert "geen getallen" in problems
    assert "buiten het RD-gebied" in problems
    assert "is geen RD New" in problems
    assert "gml:Point met 2 posities" in problems
    assert raw.unknown_types["NieuwType"] > 0
    assert raw.counts["Orientatiepolygoon"] > 0  # the IMKL 1.2.1 name, renamed
    assert any(g.startswith("<") for g in raw.ids)  # features without gml:id
    assert any(z is not None for _, (xy, z, _z, _n) in raw.links.items())  # 3D lines
    assert len(raw.points) > 0 and len(raw.elements) > 0 and len(raw.links) > 0


@pytest.mark.parametrize("seed", range(4))
def test_broken_features_never_stop_the_read(seed):
    raw = parse_stream(io.BytesIO(generated(seed)), source="gen.xml")
    assert raw.geometries_ok > 0 and raw.geometry_problems
