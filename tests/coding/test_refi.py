"""REFI-QDA exchange: valid exports, a lossless round trip, and other tools' quirks on import."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from socialgood.coding import codebook, codings, exchange, refi
from socialgood.coding.models import Code, Coding, Document, Memo

SCHEMAS = Path(__file__).resolve().parents[2].parent / "shared/refi-qda"


def schema(name):
    path = SCHEMAS / name
    if not path.is_file():
        pytest.skip(
            f"The REFI-QDA schemas are not at {SCHEMAS}; put Project-mrt2019.xsd and Codebook-mrt2019.xsd there to run this test."
        )
    return path


@pytest.fixture
def coded(world, posts, codes):
    """A project with whole-post and span codings by two people, memos, a sub-code."""
    p = world.project
    codebook.add_code(
        p,
        by=world.owner,
        name="Exhaustion",
        parent=codes["burden"],
        examples="“No break for 3 months”",
    )
    codings.toggle(posts[0], codes["burden"], world.coder)
    codings.toggle(posts[0], codes["burden"], world.analyst)
    nurse = posts[1].text.index("👩🏽‍⚕️")
    codings.toggle(posts[1], codes["support"], world.coder, start=0, end=nurse + len("👩🏽‍⚕️"))
    codings.toggle(posts[2], codes["money"], world.analyst)
    coding = Coding.objects.get(post=posts[2])
    codings.add_memo(
        p,
        by=world.owner,
        text="Money comes up with allowances.",
        target="code",
        code=codes["money"],
    )
    codings.add_memo(p, by=world.coder, text="Sarcastic?", target="post", post=posts[0])
    codings.add_memo(
        p,
        by=world.analyst,
        text="Unsure of this one",
        target="coding",
        coding=coding,
        post=posts[2],
    )
    codings.add_memo(p, by=world.owner, text="Project started with a pilot.", title="Pilot")
    return p


def test_codebook_export_is_valid_and_reimports_definitions_and_rules(world, coded):
    data = codebook.export_qdc(coded, by=world.owner)
    assert refi.schema_errors(data, schema("Codebook-mrt2019.xsd")) == []
    codes, report = refi.read_qdc(data)
    assert report == []
    burden = next(c for c in codes if c.name == "Burden")
    assert burden.definition == "Strain of caring"
    assert burden.inclusion == "Tiredness, no breaks"
    assert burden.colour == "#aa3300"
    assert [c.name for c in burden.children] == ["Exhaustion"]


def test_codebook_import_from_another_tool_tolerates_empty_sets_and_odd_colours(world):
    qdc = b"""\xef\xbb\xbf<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="Taguette">
 <Codes>
  <Code guid="{0d62985d-b147-5d01-a9b5-cae5dcd98342}" name="interesting" isCodable="true" color="rgb(255, 0, 0)">
   <Description>Worth a second look</Description>
   <Code guid="1a2b3c4d-0000-4000-8000-000000000001" name="very" isCodable="false" color="blue-ish"/>
  </Code>
 </Codes>
 <Sets/>
</CodeBook>"""
    count, report = codebook.import_qdc(world.project, qdc, by=world.owner)
    assert count == 2
    interesting = Code.objects.get(project=world.project, name="interesting")
    assert interesting.guid == "0D62985D-B147-5D01-A9B5-CAE5DCD98342"
    assert interesting.colour == "#ff0000"
    assert interesting.definition == "Worth a second look"
    very = Code.objects.get(project=world.project, name="very")
    assert very.parent == interesting and not very.is_codable
    assert any("blue-ish" in line for line in report)
    # Importing the same codebook again updates, it does not double.
    codebook.import_qdc(world.project, qdc, by=world.owner)
    assert Code.objects.filter(project=world.project).count() == 2


def test_project_export_is_valid_against_the_official_schema(world, coded):
    data = exchange.export_qdpx(coded, by=world.owner)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    assert "project.qde" in names
    assert sum(n.startswith("sources/") and n.endswith(".txt") for n in names) == 6
    xml = archive.read("project.qde")
    assert not xml.startswith(b"\xef\xbb\xbf")
    assert refi.schema_errors(xml, schema("Project-mrt2019.xsd")) == []
    project, _ = refi.read_qdpx(data)
    # the span stays on the emoji's boundary, in code points
    selection = next(s for source in project.sources for s in source.selections)
    assert selection.name.endswith("👩🏽‍⚕️")
    assert {u.name for u in project.users} >= {"chen", "arun"}


def snapshot(project):
    """Everything a researcher would check survived a round trip, keyed by stable identities."""
    codes = {
        c.guid: (
            c.name,
            c.parent.guid if c.parent else None,
            c.colour,
            c.definition,
            c.inclusion,
            c.examples,
        )
        for c in Code.objects.filter(project=project)
    }
    texts = {}
    for coding in Coding.objects.filter(project=project).select_related("post", "code"):
        texts.setdefault(coding.post.text, set()).add(
            (coding.code.guid, coding.start, coding.end, coding.coder_name, coding.guid)
        )
    memos = {
        (m.guid, m.text, m.target, m.author_name) for m in Memo.objects.filter(project=project)
    }
    return codes, texts, memos


def test_export_import_round_trip_keeps_everything(world, coded):
    from socialgood.projects.models import Project

    data = exchange.export_qdpx(coded, by=world.owner)
    other = Project.create(name="Replication", owner=world.owner)
    result = exchange.import_qdpx(other, data, by=world.owner)
    assert result["counts"] == {
        "codes": 4,
        "documents": 6,
        "codings": 4,
        "memos": 4,
        "missing_text": 0,
    }
    assert result["report"] == []
    assert snapshot(other) == snapshot(coded)
    # posts arrive as documents, with their metadata as variables
    document = (
        Document.objects.filter(project=other)
        .select_related("post")
        .order_by("post__created_at")
        .first()
    )
    assert document.post.platform == "document"
    assert {v["name"] for v in document.variables} >= {"platform", "created", "author", "hashtags"}
    # and a second export of the copy is itself valid and carries the same codings
    again = exchange.export_qdpx(other, by=world.owner)
    assert (
        refi.schema_errors(
            zipfile.ZipFile(io.BytesIO(again)).read("project.qde"), schema("Project-mrt2019.xsd")
        )
        == []
    )


def quirky_archive(*, text_bytes, start, end, name, extra_source=True):
    xml = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Interviews" origin="NVivo 15.0.0">
  <Users><User guid="{{aaaaaaaa-0000-4000-8000-00000000000a}}" name="Dana"/></Users>
  <CodeBook><Codes><Code guid="bbbbbbbb-0000-4000-8000-00000000000b" name="Hope" isCodable="true" color="#0A0"/></Codes></CodeBook>
  <Sources>
    <TextSource guid="cccccccc-0000-4000-8000-00000000000c" name="Interview 1" plainTextPath="internal://cccccccc-0000-4000-8000-00000000000c.txt">
      <PlainTextSelection guid="dddddddd-0000-4000-8000-00000000000d" name="{name}" startPosition="{
        start
    }" endPosition="{end}">
        <Coding guid="eeeeeeee-0000-4000-8000-00000000000e" creatingUser="AAAAAAAA-0000-4000-8000-00000000000A"><CodeRef targetGUID="BBBBBBBB-0000-4000-8000-00000000000B"/></Coding>
      </PlainTextSelection>
    </TextSource>
    {
        '''<TextSource guid="ffffffff-0000-4000-8000-00000000000f" name="Interview 2 (lost)" plainTextPath="internal://ffffffff-0000-4000-8000-00000000000f.txt">
      <PlainTextSelection guid="11111111-0000-4000-8000-000000000001" startPosition="0" endPosition="4">
        <Coding guid="22222222-0000-4000-8000-000000000002"><CodeRef targetGUID="bbbbbbbb-0000-4000-8000-00000000000b"/></Coding>
      </PlainTextSelection>
    </TextSource>
    <PictureSource guid="33333333-0000-4000-8000-000000000003" name="Drawing" path="internal://33333333-0000-4000-8000-000000000003.png"/>'''
        if extra_source
        else ""
    }
  </Sources>
  <Sets/>
</Project>"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Project.qde", b"\xef\xbb\xbf" + xml.encode("utf-8"))
        archive.writestr("Sources/CCCCCCCC-0000-4000-8000-00000000000C.txt", text_bytes)
    return buffer.getvalue()


def test_import_tolerates_nvivo_utf16_offsets_bom_crlf_capitals_braces_and_missing_text(world):
    text = "Day one 😊\r\nI feel hopeful now 👩🏽‍⚕️\r\n"
    wanted = "I feel hopeful now 👩🏽‍⚕️"
    lf = text.replace("\r\n", "\n")
    start16 = len(lf[: lf.index(wanted)].encode("utf-16-le")) // 2
    end16 = start16 + len(wanted.encode("utf-16-le")) // 2
    data = quirky_archive(
        text_bytes=b"\xef\xbb\xbf" + text.encode("utf-8"), start=start16, end=end16, name=wanted
    )
    result = exchange.import_qdpx(world.project, data, by=world.owner, file_name="nvivo.qdpx")
    assert result["counts"]["documents"] == 2 and result["counts"]["missing_text"] == 1
    coding = Coding.objects.get(guid="EEEEEEEE-0000-4000-8000-00000000000E")
    assert coding.post.text == lf  # BOM gone, line ends LF
    assert coding.quote == wanted
    assert coding.coder_name == "Dana"
    assert coding.code.colour == "#00aa00"
    lost = Document.objects.get(project=world.project, name="Interview 2 (lost)")
    assert lost.text_missing and lost.post.codings.count() == 1
    report = " ".join(result["report"])
    assert "UTF-16" in report and "missing" in report and "Picture source “Drawing”" in report


def test_a_file_that_is_not_a_project_gets_a_plain_message(world):
    with pytest.raises(refi.RefiError, match="not a zip"):
        exchange.import_qdpx(world.project, b"hello", by=world.owner)


def test_cli_export_and_import(world, coded, tmp_path):
    from socialgood.projects.models import Project

    out = tmp_path / "caregivers.qdpx"
    call_command("qdpx", "export", project=coded.slug, out=str(out))
    other = Project.create(name="Second site", owner=world.owner)
    buffer = io.StringIO()
    call_command("qdpx", "import", str(out), project=other.slug, stdout=buffer)
    assert "Imported 6 documents, 4 codes, 4 codings, 4 memos." in buffer.getvalue()
