# cython: language_level=3
"""Compiled fast path of the IMKL reader: the per-feature walk of one ``gml:featureMember``.

Optional. :mod:`wlr_geo.io.klic._imkl2` uses it when the build compiled it and falls back to the
pure-Python walk otherwise; both give the same :class:`~wlr_geo.io.klic._imkl2.RawDelivery`
(tested on every sample delivery).

What it does: for the two most frequent kinds of feature — ``UtilityLink`` (kind 1) and the
cable/pipe/container types (kind 2) — it reads the few values the reader needs straight from
the parsed tree, without making a Python element object per XML element. Every other feature
is handed back as an ordinary lxml element for the Python code.

It reads the tree only through lxml's public C API (``lxml.includes.etreepublic``, see
https://lxml.de/capi.html), so values are exactly what the Python code would see:
``textOf`` is ``el.text``, ``attributeValueFromNsName`` is ``el.get(...)``,
``findChildForwards``/``nextElement`` visit the children that ``for ch in el`` visits, and
``namespacedName`` is ``el.tag``. The parse itself (and its safety settings) stays in lxml.
"""

cimport lxml.includes.etreepublic as cetree
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.conversion cimport PyOS_string_to_double
from lxml.includes cimport tree
from libc.string cimport memcpy
from lxml.includes.tree cimport const_xmlChar, xmlNode

cetree.import_lxml__etree()

cdef const_xmlChar* _GML32 = <const_xmlChar*>b"http://www.opengis.net/gml/3.2"
cdef const_xmlChar* _GML = <const_xmlChar*>b"http://www.opengis.net/gml"
cdef const_xmlChar* _XLINK = <const_xmlChar*>b"http://www.w3.org/1999/xlink"

#: Layout version of the returned tuples; :mod:`._imkl2` uses only a scanner of its own
#: version (a stale build left in an editable checkout is ignored). Raise it on any change.
FORMAT = 5

#: Kind codes in the ``kinds`` mapping and in the returned tuples.
LINK = 1
ELEMENT = 2
SKIPPED = 3
POINT = 4


cdef inline bint _is(xmlNode* c, const char* name) noexcept:
    """True for an element node whose local name is ``name``."""
    cdef const char* a
    cdef int i = 0
    if c.type != tree.XML_ELEMENT_NODE:
        return False
    a = <const char*>c.name
    while a[i] != 0 and a[i] == name[i]:
        i += 1
    return a[i] == name[i]


cdef inline object _get(xmlNode* c, const_xmlChar* ns, const char* name):
    """``el.get("{ns}name")`` (``ns`` NULL: ``el.get("name")``)."""
    return cetree.attributeValueFromNsName(c, ns, <const_xmlChar*>name)


cdef inline bint _separator(unsigned char ch) noexcept:
    """The bytes ``text.replace(",", " ").split()`` splits ASCII text on."""
    return ch == 32 or (9 <= ch <= 13) or (28 <= ch <= 31) or ch == 44


cdef inline bint _decimal(const unsigned char* p, Py_ssize_t n) noexcept:
    """``[+-]?digits[.digits][(e|E)[+-]?digits]`` with at least one mantissa digit."""
    cdef Py_ssize_t i = 0
    cdef Py_ssize_t digits = 0
    if i < n and (p[i] == 43 or p[i] == 45):
        i += 1
    while i < n and 48 <= p[i] <= 57:
        i += 1
        digits += 1
    if i < n and p[i] == 46:
        i += 1
        while i < n and 48 <= p[i] <= 57:
            i += 1
            digits += 1
    if digits == 0:
        return False
    if i < n and (p[i] == 101 or p[i] == 69):
        i += 1
        if i < n and (p[i] == 43 or p[i] == 45):
            i += 1
        if i >= n or not (48 <= p[i] <= 57):
            return False
        while i < n and 48 <= p[i] <= 57:
            i += 1
    return i == n


cdef object _numbers(object text):
    """The numbers of a posList as bytes holding float64 values, or None.

    Only for ASCII text whose tokens are plain decimals: their values are then those of
    ``float(token)`` (the same ``PyOS_string_to_double`` underneath). For anything else the
    caller parses the text in Python, which gives the same values or the same error.
    """
    cdef bytes raw
    cdef const unsigned char* p
    cdef Py_ssize_t n, i, start, count = 0
    cdef char buf[64]
    cdef double* out
    if text is None:
        return None
    raw = (<str>text).encode("utf-8")
    p = <const unsigned char*>raw
    n = len(raw)
    for i in range(n):
        if p[i] >= 128:
            return None
        if not _separator(p[i]) and (i == 0 or _separator(p[i - 1])):
            count += 1
    result = PyBytes_FromStringAndSize(NULL, count * 8)  # new, not shared yet: may be filled
    out = <double*>PyBytes_AS_STRING(result)
    i = 0
    count = 0
    while i < n:
        while i < n and _separator(p[i]):
            i += 1
        if i >= n:
            break
        start = i
        while i < n and not _separator(p[i]):
            i += 1
        if i - start >= 64 or not _decimal(p + start, i - start):
            return None
        memcpy(buf, p + start, i - start)
        buf[i - start] = 0
        out[count] = PyOS_string_to_double(buf, NULL, NULL)
        count += 1
    return result


cdef object _gml_id(xmlNode* c):
    """``feat.get(gml 3.2 id) or feat.get(gml id)``."""
    value = _get(c, _GML32, b"id")
    if not value:
        value = _get(c, _GML, b"id")
    return value


cdef xmlNode* _first_element(xmlNode* c) noexcept:
    """The first child that is an element (not a comment or processing instruction)."""
    cdef xmlNode* ch = cetree.findChildForwards(c, 0)
    while ch is not NULL and ch.type != tree.XML_ELEMENT_NODE:
        ch = cetree.nextElement(ch)
    return ch


cdef tuple _link(cetree._Document doc, xmlNode* c, name):
    """(LINK, name, tag, gml id, inNetwork href, geometry element or None, fast or None).

    ``fast`` is ``(srsName, srsDimension, posList text, numbers)`` when the centre line is a
    ``LineString`` whose only child is a ``posList`` without its own ``srsDimension`` — the
    case :func:`wlr_geo.io.klic._gml.parse_line_coords` reads on its fast path; ``numbers`` is
    the posList parsed by ``_numbers`` (None when Python has to parse it).
    """
    cdef xmlNode* centre = NULL
    cdef xmlNode* geom = NULL
    cdef xmlNode* pos_list
    cdef xmlNode* ch = cetree.findChildForwards(c, 0)
    cdef bint have_network = False
    network = None
    while ch is not NULL:
        if centre is NULL and _is(ch, b"centrelineGeometry"):
            centre = ch
        elif not have_network and _is(ch, b"inNetwork"):
            have_network = True
            network = _get(ch, _XLINK, b"href")
        ch = cetree.nextElement(ch)
    if centre is not NULL:
        geom = _first_element(centre)
    if geom is NULL:
        return (LINK, name, cetree.namespacedName(c), _gml_id(c), network, None, None)
    fast = None
    if _is(geom, b"LineString"):
        pos_list = cetree.findChildForwards(geom, 0)
        if (pos_list is not NULL and cetree.nextElement(pos_list) is NULL
                and _is(pos_list, b"posList") and _get(pos_list, NULL, b"srsDimension") is None):
            text = cetree.textOf(pos_list)
            fast = (_get(geom, NULL, b"srsName"), _get(geom, NULL, b"srsDimension"), text,
                    _numbers(text))
    return (LINK, name, cetree.namespacedName(c), _gml_id(c), network,
            cetree.elementFactory(doc, geom), fast)


cdef list _read_slots(xmlNode* c, dict slots, list links, xmlNode** other):
    """The property leaves of feature ``c`` as a list by slot, as ``_props`` in :mod:`._imkl2`.

    ``slots`` maps each wanted property name to its position in the list; the leaf of the
    first child of that name goes there as ``(text, xlink:href, uom)`` (None where there is
    no such child). One name maps to -1: with ``links`` given, the non-empty href of every
    child of that name is appended to it (``net:link``); otherwise the first such child is
    stored in ``other`` (``geometry``).
    """
    cdef xmlNode* ch = cetree.findChildForwards(c, 0)
    cdef Py_ssize_t i
    props = [None] * (len(slots) - 1)
    while ch is not NULL:
        if ch.type == tree.XML_ELEMENT_NODE:
            slot = slots.get(cetree.pyunicode(ch.name))
            if slot is not None:
                i = slot
                if i >= 0:
                    if props[i] is None:
                        props[i] = (cetree.textOf(ch), _get(ch, _XLINK, b"href"), _get(ch, NULL, b"uom"))
                elif links is not None:
                    href = _get(ch, _XLINK, b"href")
                    if href:
                        links.append(href)
                elif other[0] is NULL:
                    other[0] = ch
        ch = cetree.nextElement(ch)
    return props


cdef tuple _point(cetree._Document doc, xmlNode* c, name, dict slots):
    """(POINT, name, tag, gml id, properties, geometry element or None, plain or None).

    ``properties`` as ``_read_slots`` gives them (``geometry`` is the slot -1), as a tuple;
    the first element child of ``geometry`` is returned. ``plain`` is ``(srsName,
    srsDimension, pos srsDimension, pos text)`` when that child is a ``Point`` whose only child
    is a ``pos`` — the structure :func:`wlr_geo.io.klic._gml.parse_point_xy` checks before it
    reads those four values.
    """
    cdef xmlNode* prop = NULL
    cdef xmlNode* geom = NULL
    cdef xmlNode* pos
    props = tuple(_read_slots(c, slots, None, &prop))
    if prop is not NULL:
        geom = _first_element(prop)
    if geom is NULL:
        return (POINT, name, cetree.namespacedName(c), _gml_id(c), props, None, None)
    plain = None
    if _is(geom, b"Point"):
        pos = cetree.findChildForwards(geom, 0)
        if pos is not NULL and cetree.nextElement(pos) is NULL and _is(pos, b"pos"):
            plain = (_get(geom, NULL, b"srsName"), _get(geom, NULL, b"srsDimension"),
                     _get(pos, NULL, b"srsDimension"), cetree.textOf(pos))
    return (POINT, name, cetree.namespacedName(c), _gml_id(c), props,
            cetree.elementFactory(doc, geom), plain)


cdef tuple _element(xmlNode* c, name, dict slots):
    """(ELEMENT, name, tag, gml id, properties, link hrefs), both as tuples.

    ``properties`` and the non-empty hrefs of the ``link`` children (slot -1) as
    ``_read_slots`` gives them — as ``_props(feat, wanted, leaves=True)`` and the filter in
    :mod:`._imkl2`.
    """
    cdef xmlNode* unused = NULL
    links = []
    props = _read_slots(c, slots, links, &unused)
    return (ELEMENT, name, cetree.namespacedName(c), _gml_id(c), tuple(props), tuple(links))


def scan_member(cetree._Element member not None, dict kinds not None, dict slots not None,
                dict point_slots not None):
    """The features of one ``featureMember``/``member`` element, in document order.

    Each feature whose local name maps to :data:`LINK` or :data:`ELEMENT` in ``kinds`` comes
    back as a tuple (see ``_link``, ``_element``, ``_point``), one that maps to :data:`SKIPPED` as
    ``(SKIPPED, name, tag, gml id)``; every other feature as its lxml element. Comments and
    processing instructions are skipped, as the Python walk skips them.
    """
    cdef xmlNode* c = cetree.findChildForwards(member._c_node, 0)
    cdef cetree._Document doc = member._doc
    out = []
    while c is not NULL:
        if c.type == tree.XML_ELEMENT_NODE:
            name = cetree.pyunicode(c.name)
            kind = kinds.get(name)
            if kind == LINK:
                out.append(_link(doc, c, name))
            elif kind == ELEMENT:
                out.append(_element(c, name, slots))
            elif kind == POINT:
                out.append(_point(doc, c, name, point_slots))
            elif kind == SKIPPED:
                out.append((SKIPPED, name, cetree.namespacedName(c), _gml_id(c)))
            else:
                out.append(cetree.elementFactory(doc, c))
        c = cetree.nextElement(c)
    return out
