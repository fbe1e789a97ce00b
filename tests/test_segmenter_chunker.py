import itertools
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.chunker import ChunkingParams, chunk_document
from ingest.reader import DocumentError, read_document, source_files
from ingest.records import Document
from ingest.segmenter import segment_document

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
REPORT = "004_26c571d100900f42.txt"
WHITE_PAPER = "000_4d195e5ae3328a64.txt"
PARAMS = ChunkingParams()


def _doc(text: str, name: str = "t.txt") -> Document:
    return Document(name=name, text=text, sha256="0")


@pytest.fixture(scope="module")
def report() -> Document:
    return read_document(SEEDS / REPORT)


def test_every_chunk_of_the_seeds_is_an_exact_span_with_right_lines():
    for path in source_files(SEEDS):
        doc = read_document(path)
        chunks = chunk_document(doc, PARAMS)
        assert chunks
        for chunk in chunks:
            assert doc.text[chunk.start:chunk.end] == chunk.text
            assert doc.text.count("\n", 0, chunk.start) + 1 == chunk.line_start
            assert doc.text.count("\n", 0, chunk.end - 1) + 1 == chunk.line_end


def test_page_furniture_stays_out_of_chunks(report):
    for chunk in chunk_document(report, PARAMS):
        lines = [line.strip() for line in chunk.text.splitlines()]
        assert "JSTEC Report Vol. 92" not in lines
        assert not any(line.isdigit() and len(line) <= 3 for line in lines)
        assert "図1 / Fig 1" not in lines


def test_chunks_are_one_language_each(report):
    chunks = chunk_document(report, PARAMS)
    ja = next(c for c in chunks if "ネパール" in c.text)
    en = next(c for c in chunks if "Nepal Earthquake" in c.text)
    assert ja.lang == "ja" and en.lang == "en"
    assert "Earthquake" not in ja.text


def test_bilingual_titles_are_detected(report):
    chunks = chunk_document(report, PARAMS)
    oman_en = next(c for c in chunks if "Duqm Special Economic Zone, the largest" in c.text)
    oman_ja = next(c for c in chunks if "ドゥクム経済特区は" in c.text)
    assert oman_en.title.startswith("The Sultanate of Oman, over 400 years")
    assert oman_ja.title.startswith("オマーン・スルタン国")


def test_markdown_headings_give_the_section_path():
    doc = read_document(SEEDS / WHITE_PAPER)
    iter_chunk = next(c for c in chunk_document(doc, PARAMS) if "(ITER) project is" in c.text)
    assert iter_chunk.title.endswith("1) International Thermonuclear Experiment Reactor (ITER)")


def test_sentence_broken_across_a_column_travels_with_both_halves(report):
    chunks = chunk_document(report, PARAMS)
    head = next(c for c in chunks if c.text.endswith("the COVID-19 dashboard launched by Johns"))
    tail = next(c for c in chunks if c.text.startswith("Hopkins University attracted"))
    assert head.context_after.startswith("Hopkins University attracted much attention")
    assert tail.context_before.endswith("launched by Johns")
    ja_head = next(c for c in chunks if c.text.endswith("ジョンズ・ホプキンス大学のCOVID-19"))
    assert ja_head.context_after.startswith("ダッシュボードが立ち上がり")
    # The cited text itself is never joined or altered.
    assert report.text[head.start:head.end] == head.text


def test_chunks_never_cut_a_sentence(report):
    small = ChunkingParams(target_ja=80, target_en=200, max_ja=400, max_en=900,
                           overlap_share=0.3, min_chars=1)
    for chunk in chunk_document(report, small):
        if chunk.lang == "ja" and len(chunk.text) < 400:
            # a chunk ends at a sentence end or at the end of its paragraph
            following = report.text[chunk.end:chunk.end + 1]
            assert chunk.text[-1] in "。！？」）)" or following in ("\n", "")


def test_overlap_repeats_at_most_one_short_sentence():
    text = "一文目です。" * 3 + "二文目はこれです。" * 3 + "三文目。" * 3
    chunks = chunk_document(_doc(text), ChunkingParams(20, 100, 60, 300, 0.5, 1))
    assert len(chunks) > 2
    for a, b in itertools.pairwise(chunks):
        assert b.start >= a.start and b.end > a.end
        assert b.start >= a.end - 10


def test_chunks_can_end_with_their_paragraph_once_they_hold_a_share_of_their_target():
    first = "The first paragraph opens here. It says one thing about the project in detail."
    second = "A second paragraph starts. It is about another topic entirely, with more words."
    short = "Short heading-like line."
    text = f"{first}\n\n{second}\n\n{short}\n\n{first}"
    params = ChunkingParams(target_ja=100, target_en=200, max_ja=400, max_en=900,
                            overlap_share=0.3, min_chars=1, end_at_paragraph=True, paragraph_close=0.3)
    chunks = [c.text for c in chunk_document(_doc(text), params)]
    # Each long paragraph stands alone; the short one (under 0.3 of the target) joins the next.
    assert chunks[:2] == [first, second]
    assert chunks[2].startswith(short) and chunks[2].endswith(first)
    # Off, paragraphs are packed together up to the target.
    packed = chunk_document(_doc(text), replace(params, end_at_paragraph=False))
    assert packed[0].text.startswith(first) and second in packed[0].text
    # A paragraph that a column cuts mid-sentence does not end its chunk: the sentence goes on.
    cut = "This long sentence is cut by a column of the printed page, and so it goes on in"
    rest = "the next paragraph, where it ends at last."
    assert [c.text for c in chunk_document(_doc(f"{cut}\n\n{rest}"), params)] == [f"{cut}\n\n{rest}"]


def test_reader_rejects_bad_utf8_with_a_clear_message(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes("日本語".encode() + b"\xff\xfe tail")
    with pytest.raises(DocumentError, match=r"bad\.txt: not valid UTF-8 at byte 9"):
        read_document(bad)


def test_reader_lists_the_supported_formats_only(tmp_path):
    for name in ("a.txt", "b.md", "c.pdf", "d.DOCX", "e.html", "f.htm", "g.png", ".hidden.txt",
                 "catalog.json"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert [p.name for p in source_files(tmp_path)] == ["a.txt", "b.md", "c.pdf", "d.DOCX", "e.html",
                                                        "f.htm"]


def test_empty_and_whitespace_documents_give_no_chunks():
    assert chunk_document(_doc(""), PARAMS) == []
    assert chunk_document(_doc(" \n\n\t\u3000\n"), PARAMS) == []


_blocks = st.lists(
    st.one_of(
        st.text(alphabet="科学技術の国際交流をする。、「」！？日本とインド", min_size=1, max_size=120),
        st.text(alphabet="Science and technology exchange. Dr. U.S. Japan, India! ", min_size=1,
                max_size=200),
        st.sampled_from(["14", "JSTEC Report Vol. 92", "図1 / Fig 1", "## A heading", "\t", "　"]),
    ),
    max_size=25,
)
_separators = st.sampled_from(["\n", "\n\n", "\n\n\n", " \n \n", "\r\n\r\n"])


@settings(max_examples=150, deadline=None)
@given(_blocks, _separators, st.integers(20, 400), st.integers(40, 900))
def test_offsets_are_exact_on_generated_bilingual_text(blocks, separator, target_ja, target_en):
    text = separator.join(blocks)
    doc = _doc(text)
    params = ChunkingParams(target_ja, target_en, target_ja * 2, target_en * 2, 0.3, 1)
    segments = segment_document(doc)
    for seg in segments:
        assert text[seg.start:seg.end] == seg.text
    chunks = chunk_document(doc, params)
    for chunk in chunks:
        assert text[chunk.start:chunk.end] == chunk.text
        assert chunk.text.strip() == chunk.text
        assert 1 <= chunk.line_start <= chunk.line_end
    # every visible character of a text paragraph is in some chunk
    covered = set()
    for chunk in chunks:
        covered.update(range(chunk.start, chunk.end))
    for seg in segments:
        if seg.kind == "text":
            assert all(i in covered for i in range(seg.start, seg.end) if not text[i].isspace())
