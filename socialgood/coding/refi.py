"""REFI-QDA exchange (QDC codebooks, QDPX projects) as plain data: no Django here.

Writing follows the standard to the letter (UTF-8 without BOM, LF, code-point offsets,
``project.qde`` plus a flat ``sources/`` folder, GUIDs upper case without braces), so the
files validate against the official schemas. Reading is tolerant of what NVivo,
ATLAS.ti, MAXQDA, QualCoder and Taguette really write, and every element it cannot
carry over is listed in the report (REFI-QDA 1.5 §7 asks importers to say so).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

from lxml import etree

from socialgood.coding.offsets import utf16_to_codepoint

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
VARIABLE_TYPES = ("Text", "Boolean", "Integer", "Float", "Date", "DateTime")
_VALUE_ELEMENT = {t: f"{t}Value" for t in VARIABLE_TYPES}
_HEX_COLOUR = re.compile(r"#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})")
_GUID = re.compile(
    r"\{?([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})\}?"
)

# A code's definition, rules and examples travel in the one Description REFI offers,
# under these headings, so NVivo users read them and a re-import splits them again.
_DESCRIPTION_PARTS = (
    ("inclusion", "Include when:"),
    ("exclusion", "Exclude when:"),
    ("examples", "Examples:"),
)


class RefiError(ValueError):
    """A file that cannot be read as REFI-QDA at all, in words a researcher understands."""


@dataclass
class RCode:
    guid: str
    name: str
    is_codable: bool = True
    colour: str | None = None
    definition: str = ""
    inclusion: str = ""
    exclusion: str = ""
    examples: str = ""
    note_refs: list[str] = field(default_factory=list)
    children: list[RCode] = field(default_factory=list)


@dataclass
class RUser:
    guid: str
    name: str


@dataclass
class RVariable:
    guid: str
    name: str
    type: str = "Text"


@dataclass
class RCoding:
    guid: str
    code_guid: str
    user_guid: str | None = None
    created: str | None = None
    note_refs: list[str] = field(default_factory=list)


@dataclass
class RSelection:
    guid: str
    start: int
    end: int
    name: str | None = None
    user_guid: str | None = None
    created: str | None = None
    codings: list[RCoding] = field(default_factory=list)


@dataclass
class RSource:
    guid: str
    name: str
    text: str | None  # None: the text was missing from the archive
    created: str | None = None
    user_guid: str | None = None
    codings: list[RCoding] = field(default_factory=list)  # whole-source codings
    selections: list[RSelection] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)
    values: list[tuple[str, str]] = field(default_factory=list)  # (variable guid, value as text)


@dataclass
class RNote:
    guid: str
    name: str
    text: str
    user_guid: str | None = None
    created: str | None = None


@dataclass
class RProject:
    name: str
    origin: str = ""
    users: list[RUser] = field(default_factory=list)
    codes: list[RCode] = field(default_factory=list)
    variables: list[RVariable] = field(default_factory=list)
    sources: list[RSource] = field(default_factory=list)
    notes: list[RNote] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)  # project-level notes


def normalise_guid(value: str | None) -> str | None:
    """GUIDs arrive lower or upper case, with or without braces; keep one spelling."""
    if value is None:
        return None
    match = _GUID.fullmatch(value.strip())
    return match.group(1).upper() if match else None


def normalise_colour(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if _HEX_COLOUR.fullmatch(value):
        if len(value) == 4:
            value = "#" + "".join(c * 2 for c in value[1:])
        return value.lower()
    numbers = re.findall(r"\d+", value)  # "rgb(12, 34, 56)" or "12,34,56,255"
    if len(numbers) >= 3 and all(int(n) < 256 for n in numbers[:3]):
        return "#" + "".join(f"{int(n):02x}" for n in numbers[:3])
    return None


def compose_description(code: RCode) -> str:
    parts = [code.definition.strip()] if code.definition.strip() else []
    for attribute, heading in _DESCRIPTION_PARTS:
        value = getattr(code, attribute).strip()
        if value:
            parts.append(f"{heading} {value}")
    return "\n\n".join(parts)


def split_description(text: str) -> dict[str, str]:
    result = {"definition": "", "inclusion": "", "exclusion": "", "examples": ""}
    current = "definition"
    chunks: dict[str, list[str]] = {key: [] for key in result}
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        for attribute, heading in _DESCRIPTION_PARTS:
            if paragraph.startswith(heading):
                current = attribute
                paragraph = paragraph[len(heading) :].strip()
                break
        chunks[current].append(paragraph)
    for key, values in chunks.items():
        result[key] = "\n\n".join(values).strip()
    return result


def iter_codes(codes: list[RCode], parent: RCode | None = None):
    for code in codes:
        yield code, parent
        yield from iter_codes(code.children, code)


# --- Writing -------------------------------------------------------------------


def _code_element(maker, code: RCode, with_notes: bool):
    attributes = {"guid": code.guid, "name": code.name, "isCodable": _bool(code.is_codable)}
    if code.colour:
        attributes["color"] = code.colour
    element = maker("Code", attributes)
    description = compose_description(code)
    if description:
        etree.SubElement(element, maker.tag("Description")).text = description
    if with_notes:
        for ref in code.note_refs:
            etree.SubElement(element, maker.tag("NoteRef"), targetGUID=ref)
    for child in code.children:
        element.append(_code_element(maker, child, with_notes))
    return element


class _Maker:
    def __init__(self, namespace):
        self.namespace = namespace

    def tag(self, name):
        return f"{{{self.namespace}}}{name}"

    def __call__(self, name, attributes=None):
        return etree.Element(self.tag(name), {k: v for k, v in (attributes or {}).items()})

    def sub(self, parent, name, attributes=None, text=None):
        element = etree.SubElement(parent, self.tag(name), attributes or {})
        if text is not None:
            element.text = text
        return element


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _serialise(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def write_qdc(codes: list[RCode], origin: str = "socialgood") -> bytes:
    """A REFI-QDA codebook (.qdc). REFI requires at least one code."""
    if not codes:
        raise RefiError("The codebook is empty: add a code before exporting it.")
    maker = _Maker(CODEBOOK_NS)
    root = etree.Element(maker.tag("CodeBook"), origin=origin, nsmap={None: CODEBOOK_NS})
    codes_element = maker.sub(root, "Codes")
    for code in codes:
        codes_element.append(_code_element(maker, code, with_notes=False))
    return _serialise(root)


def _add_codings(maker, parent, codings: list[RCoding]):
    for coding in codings:
        attributes = {"guid": coding.guid}
        if coding.user_guid:
            attributes["creatingUser"] = coding.user_guid
        if coding.created:
            attributes["creationDateTime"] = coding.created
        element = maker.sub(parent, "Coding", attributes)
        maker.sub(element, "CodeRef", {"targetGUID": coding.code_guid})
        for ref in coding.note_refs:
            maker.sub(element, "NoteRef", {"targetGUID": ref})


def write_project_xml(project: RProject) -> bytes:
    maker = _Maker(PROJECT_NS)
    root = etree.Element(
        maker.tag("Project"),
        {"name": project.name, "origin": project.origin or "socialgood"},
        nsmap={None: PROJECT_NS},
    )
    if project.users:
        users = maker.sub(root, "Users")
        for user in project.users:
            maker.sub(users, "User", {"guid": user.guid, "name": user.name})
    if project.codes:
        codes = maker.sub(maker.sub(root, "CodeBook"), "Codes")
        for code in project.codes:
            codes.append(_code_element(maker, code, with_notes=True))
    if project.variables:
        variables = maker.sub(root, "Variables")
        for variable in project.variables:
            maker.sub(
                variables,
                "Variable",
                {"guid": variable.guid, "name": variable.name, "typeOfVariable": variable.type},
            )
    types = {v.guid: v.type for v in project.variables}
    if project.sources:
        sources = maker.sub(root, "Sources")
        for source in project.sources:
            attributes = {"guid": source.guid, "name": source.name}
            attributes["plainTextPath"] = f"internal://{source.guid}.txt"
            if source.user_guid:
                attributes["creatingUser"] = source.user_guid
            if source.created:
                attributes["creationDateTime"] = source.created
            element = maker.sub(sources, "TextSource", attributes)
            for selection in source.selections:
                attributes = {
                    "guid": selection.guid,
                    "startPosition": str(selection.start),
                    "endPosition": str(selection.end),
                }
                if selection.name is not None:
                    attributes["name"] = selection.name
                if selection.user_guid:
                    attributes["creatingUser"] = selection.user_guid
                if selection.created:
                    attributes["creationDateTime"] = selection.created
                _add_codings(
                    maker, maker.sub(element, "PlainTextSelection", attributes), selection.codings
                )
            _add_codings(maker, element, source.codings)
            for ref in source.note_refs:
                maker.sub(element, "NoteRef", {"targetGUID": ref})
            for variable_guid, value in source.values:
                value_element = maker.sub(element, "VariableValue")
                maker.sub(value_element, "VariableRef", {"targetGUID": variable_guid})
                maker.sub(value_element, _VALUE_ELEMENT[types[variable_guid]], text=value)
    if project.notes:
        notes = maker.sub(root, "Notes")
        for note in project.notes:
            attributes = {"guid": note.guid, "name": note.name}
            if note.user_guid:
                attributes["creatingUser"] = note.user_guid
            if note.created:
                attributes["creationDateTime"] = note.created
            maker.sub(maker.sub(notes, "Note", attributes), "PlainTextContent", text=note.text)
    for ref in project.note_refs:
        maker.sub(root, "NoteRef", {"targetGUID": ref})
    return _serialise(root)


def write_qdpx(project: RProject) -> bytes:
    """A REFI-QDA project archive: project.qde and one UTF-8 .txt per source in sources/."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", write_project_xml(project))
        for source in project.sources:
            archive.writestr(f"sources/{source.guid}.txt", (source.text or "").encode("utf-8"))
    return buffer.getvalue()


def schema_errors(xml: bytes, xsd_path) -> list[str]:
    """Messages for every way ``xml`` breaks the schema at ``xsd_path``; empty when valid."""
    schema = etree.XMLSchema(etree.parse(str(xsd_path)))
    document = etree.fromstring(xml)
    if schema.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


# --- Reading -------------------------------------------------------------------


def _parse_xml(data: bytes, what: str):
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        raise RefiError(f"The {what} is not readable XML ({error.msg}).") from None


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element, name):
    return [c for c in element if _local(c) == name]


def _child(element, name):
    found = _children(element, name)
    return found[0] if found else None


def _text_of(element, name) -> str:
    child = _child(element, name)
    return (child.text or "") if child is not None else ""


def _read_code(element, report: list[str]) -> RCode | None:
    guid = normalise_guid(element.get("guid"))
    name = element.get("name") or ""
    if guid is None:
        report.append(f"Code “{name}” has no valid GUID and was skipped, with its sub-codes.")
        return None
    colour = normalise_colour(element.get("color"))
    if element.get("color") and colour is None:
        report.append(
            f"Code “{name}”: colour {element.get('color')!r} is not a colour we read; left out."
        )
    code = RCode(
        guid=guid,
        name=name,
        is_codable=(element.get("isCodable", "true").strip().lower() in ("true", "1")),
        colour=colour,
        **split_description(_text_of(element, "Description")),
        note_refs=[
            g
            for g in (normalise_guid(n.get("targetGUID")) for n in _children(element, "NoteRef"))
            if g
        ],
    )
    code.children = [c for c in (_read_code(e, report) for e in _children(element, "Code")) if c]
    return code


def read_qdc(data: bytes) -> tuple[list[RCode], list[str]]:
    """Codes of a .qdc codebook and a report of what was not carried over."""
    root = _parse_xml(data, "codebook")
    if _local(root) != "CodeBook":
        raise RefiError("This is not a REFI-QDA codebook: its first element is not <CodeBook>.")
    report: list[str] = []
    codes_element = _child(root, "Codes")
    codes = []
    if codes_element is not None:
        codes = [c for c in (_read_code(e, report) for e in _children(codes_element, "Code")) if c]
    sets = _child(root, "Sets")
    if sets is not None and len(_children(sets, "Set")):
        report.append(
            f"{len(_children(sets, 'Set'))} code sets were not carried over (socialgood has no code sets)."
        )
    return codes, report


def _read_codings(element, report, where) -> list[RCoding]:
    codings = []
    for coding in _children(element, "Coding"):
        ref = _child(coding, "CodeRef")
        code_guid = normalise_guid(ref.get("targetGUID")) if ref is not None else None
        guid = normalise_guid(coding.get("guid"))
        if code_guid is None or guid is None:
            report.append(f"A coding in {where} names no valid code and was skipped.")
            continue
        codings.append(
            RCoding(
                guid=guid,
                code_guid=code_guid,
                user_guid=normalise_guid(coding.get("creatingUser")),
                created=coding.get("creationDateTime"),
                note_refs=[
                    g
                    for g in (
                        normalise_guid(n.get("targetGUID")) for n in _children(coding, "NoteRef")
                    )
                    if g
                ],
            )
        )
    return codings


class _Archive:
    """The files of a .qdpx, found whatever case the exporting tool used for names."""

    def __init__(self, data: bytes):
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise RefiError("This is not a .qdpx file: it is not a zip archive.") from None
        self.by_lower = {name.lower().replace("\\", "/"): name for name in self.zip.namelist()}

    def project_xml(self) -> bytes:
        for name in ("project.qde",):
            if name in self.by_lower:
                return self.zip.read(self.by_lower[name])
        candidates = [n for n in self.by_lower if n.endswith(".qde")]
        if len(candidates) == 1:
            return self.zip.read(self.by_lower[candidates[0]])
        raise RefiError("The archive holds no project.qde, so it is not a REFI-QDA project.")

    def source_text(self, path: str) -> bytes | None:
        if path.startswith("internal://"):
            path = "sources/" + path[len("internal://") :]
        elif path.startswith("relative://"):
            path = path[len("relative://") :]
        else:
            return None
        found = self.by_lower.get(path.lower().lstrip("/"))
        if found is None:  # some tools keep the file name but not its folder
            tail = path.rsplit("/", 1)[-1].lower()
            found = next(
                (v for k, v in self.by_lower.items() if k.rsplit("/", 1)[-1] == tail), None
            )
        return self.zip.read(found) if found else None


def _decode_text(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _fit_offsets(raw_text: str, source: RSource, origin: str, report: list[str]) -> str:
    """Store text with LF line ends and express every selection in its code points.

    Tools disagree on what a position counts: NVivo counts UTF-16 units (an emoji is 2),
    some count CRLF as two characters and some as one. Each reading is tried against
    the selection names (the coded text, which most tools write); without names, the
    exporting tool decides.
    """
    text = raw_text.replace("\r\n", "\n")
    had_crlf = text != raw_text

    def crlf_units_to_lf(position):
        # a position in the CRLF text -> the same place in the LF text
        return position - raw_text.count("\r\n", 0, position) if had_crlf else position

    readings = {
        "code points": lambda p: p,
        "UTF-16 units": lambda p: utf16_to_codepoint(text, p),
    }
    if had_crlf:
        readings["code points counting CRLF as two"] = crlf_units_to_lf
        readings["UTF-16 units counting CRLF as two"] = lambda p: utf16_to_codepoint(
            text, crlf_units_to_lf(p)
        )

    def fits(convert):
        named = [s for s in source.selections if s.name]
        try:
            converted = [(convert(s.start), convert(s.end), s) for s in source.selections]
        except ValueError:
            return False, 0
        if any(not 0 <= a <= b <= len(text) for a, b, _ in converted):
            return False, 0
        matches = sum(1 for a, b, s in converted if s.name and text[a:b].strip() == s.name.strip())
        return True, matches if named else 0

    order = list(readings)
    if "nvivo" in origin.lower():
        order.insert(0, order.pop(1))
    best, best_matches = None, -1
    for name in order:
        ok, matches = fits(readings[name])
        if ok and matches > best_matches:
            best, best_matches = name, matches
    if best is None:
        report.append(
            f"Source “{source.name}”: its selections do not fit its text; they were kept as whole-source codings."
        )
        for selection in source.selections:
            source.codings.extend(selection.codings)
        source.selections = []
        return text
    if best != "code points" and source.selections:
        report.append(
            f"Source “{source.name}”: positions were counted in {best} and were converted."
        )
    for selection in source.selections:
        selection.start = readings[best](selection.start)
        selection.end = readings[best](selection.end)
    return text


def read_qdpx(data: bytes) -> tuple[RProject, list[str]]:
    """A .qdpx archive as an RProject, and the import report (what was changed or left out)."""
    archive = _Archive(data)
    root = _parse_xml(archive.project_xml(), "project file (project.qde)")
    if _local(root) != "Project":
        raise RefiError(
            "project.qde does not start with <Project>, so it is not a REFI-QDA project."
        )
    report: list[str] = []
    project = RProject(name=root.get("name") or "Imported project", origin=root.get("origin") or "")

    users = _child(root, "Users")
    for user in _children(users, "User") if users is not None else []:
        guid = normalise_guid(user.get("guid"))
        if guid:
            project.users.append(RUser(guid, user.get("name") or user.get("id") or guid))

    codebook = _child(root, "CodeBook")
    codes = _child(codebook, "Codes") if codebook is not None else None
    if codes is not None:
        project.codes = [c for c in (_read_code(e, report) for e in _children(codes, "Code")) if c]

    variables = _child(root, "Variables")
    for variable in _children(variables, "Variable") if variables is not None else []:
        guid = normalise_guid(variable.get("guid"))
        kind = variable.get("typeOfVariable", "Text")
        if guid:
            project.variables.append(
                RVariable(
                    guid, variable.get("name") or "", kind if kind in VARIABLE_TYPES else "Text"
                )
            )

    sources = _child(root, "Sources")
    for element in list(sources) if sources is not None else []:
        kind = _local(element)
        name = element.get("name") or "Unnamed source"
        if kind != "TextSource":
            if kind:
                report.append(
                    f"{kind.replace('Source', '')} source “{name}” was not imported: socialgood codes text only."
                )
            continue
        guid = normalise_guid(element.get("guid"))
        if guid is None:
            report.append(f"Source “{name}” has no valid GUID and was skipped.")
            continue
        source = RSource(
            guid=guid,
            name=name,
            text=None,
            created=element.get("creationDateTime"),
            user_guid=normalise_guid(element.get("creatingUser")),
            codings=_read_codings(element, report, f"source “{name}”"),
            note_refs=[
                g
                for g in (
                    normalise_guid(n.get("targetGUID")) for n in _children(element, "NoteRef")
                )
                if g
            ],
        )
        for selection in _children(element, "PlainTextSelection"):
            selection_guid = normalise_guid(selection.get("guid"))
            try:
                start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            except (TypeError, ValueError):
                report.append(f"A selection in “{name}” has no usable positions and was skipped.")
                continue
            source.selections.append(
                RSelection(
                    guid=selection_guid or "",
                    start=min(start, end),
                    end=max(start, end),
                    name=selection.get("name"),
                    user_guid=normalise_guid(selection.get("creatingUser")),
                    created=selection.get("creationDateTime"),
                    codings=_read_codings(selection, report, f"a selection of “{name}”"),
                )
            )
        for value in _children(element, "VariableValue"):
            ref = _child(value, "VariableRef")
            variable_guid = normalise_guid(ref.get("targetGUID")) if ref is not None else None
            content = next(
                (c for c in value if _local(c).endswith("Value") and _local(c) != "VariableRef"),
                None,
            )
            if variable_guid and content is not None:
                source.values.append((variable_guid, content.text or ""))

        content = _child(element, "PlainTextContent")
        raw = None
        if content is not None:
            raw = content.text or ""
        elif element.get("plainTextPath"):
            found = archive.source_text(element.get("plainTextPath"))
            raw = _decode_text(found) if found is not None else None
        if raw is None:
            report.append(
                f"Source “{name}”: its text is missing from the archive; it is kept as a document marked “text missing”, with its codings."
            )
        else:
            if raw.startswith("\ufeff"):
                raw = raw[1:]
            source.text = _fit_offsets(raw, source, project.origin, report)
        project.sources.append(source)

    notes = _child(root, "Notes")
    for note in _children(notes, "Note") if notes is not None else []:
        guid = normalise_guid(note.get("guid"))
        if guid is None:
            continue
        text = _text_of(note, "PlainTextContent")
        if not text and note.get("plainTextPath"):
            found = archive.source_text(note.get("plainTextPath"))
            text = _decode_text(found) if found else ""
        project.notes.append(
            RNote(
                guid=guid,
                name=note.get("name") or "",
                text=text.replace("\r\n", "\n"),
                user_guid=normalise_guid(note.get("creatingUser")),
                created=note.get("creationDateTime"),
            )
        )
    project.note_refs = [
        g for g in (normalise_guid(n.get("targetGUID")) for n in _children(root, "NoteRef")) if g
    ]

    for part, label in (("Cases", "Case"), ("Links", "Link"), ("Sets", "Set"), ("Graphs", "Graph")):
        element = _child(root, part)
        count = len(_children(element, label)) if element is not None else 0
        if count:
            report.append(
                f"{count} {part.lower()} were not carried over (socialgood does not use them yet)."
            )
    return project, report
