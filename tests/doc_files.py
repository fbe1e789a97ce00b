"""Real files for the reader tests: PDFs printed by Chromium from HTML, a .docx, a web page.

The PDFs are printed by the same Debian Chromium the browser test drives (with its default
header and footer: the date, the title, the file's address and "1/4"), so they hold real
Japanese and English text in real fonts, a two-column page and a paragraph crossing a page.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("KAKEHASHI_CHROMIUM", "/usr/bin/chromium")
# As in the browser test: no sandbox (CI runs as root), no GPU, none of Chromium's own traffic.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# Facts the tests ask about, each on a known page of report.pdf.
EN_FACT = ("In 2019, 1,234 young researchers from India visited Japan through the Sakura Science "
           "Program, more than from any other country.")
JA_FACT = "北極域研究船の建造は2021年に始まり、2026年に完成する予定である。"
LEFT_JA = ("左の段では、日本とドイツの研究協力が1974年の科学技術協力協定によって始まったことを述べる。"
           "協定の下で、両国は毎年合同委員会を開いている。")
LEFT_EN = ("The left column explains that the Japan-Germany agreement on cooperation in science and "
           "technology was signed in 1974, and that a joint committee has met every year since then.")
RIGHT_JA = "右の段では、南極の昭和基地における観測が1957年に始まったことを述べる。"
RIGHT_EN = ("The right column notes that observations at Syowa Station in Antarctica began in 1957 "
            "and have continued without a break.")
CROSSING = " ".join(
    f"Sentence {n} of the long paragraph describes the exchange of {n * 10} graduate students "
    "between Japanese and European universities under the bilateral programme."
    for n in range(1, 13))

REPORT_HTML = f"""<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>Exchange Report 2024</title>
<style>
 body {{ font-family: "Noto Sans CJK JP", "Noto Sans", sans-serif; font-size: 11pt; }}
 h1 {{ font-size: 20pt; }} h2 {{ font-size: 15pt; }}
 .page {{ break-before: page; }}
 .cols {{ column-count: 2; column-gap: 2.5em; }}
 .spacer {{ height: 8.9in; }}
</style></head><body>
<h1>Sakura Science Program</h1>
<p>{EN_FACT}</p>
<p>The program invites young people from Asia to experience Japanese science for a short stay.</p>
<section class="page" lang="ja">
<h2>北極域研究船</h2>
<p>{JA_FACT}</p>
<p>この船は、海氷域での観測を国際的な研究者に開放する。</p>
</section>
<section class="page">
<h2>Two columns 二段組</h2>
<div class="cols">
<p lang="ja">{LEFT_JA}</p>
<p>{LEFT_EN}</p>
<p lang="ja">{RIGHT_JA}</p>
<p>{RIGHT_EN}</p>
</div>
</section>
<section class="page">
<div class="spacer"></div>
<p>{CROSSING}</p>
</section>
</body></html>
"""

# Twelve sections, each a heading in larger type and two columns that flow onto the next page:
# every page opens with a section heading (第1章, 第2章, ... alike but for their numbers).
SECTION_JA = "".join(f"第{n}文では、国際共同研究の成果が{n}件の論文として発表されたことを述べる。"
                     for n in range(1, 40))
SECTION_EN = " ".join(f"Sentence {n} tells that {n} joint papers were published by the partners."
                      for n in range(1, 30))
SECTIONS_HTML = f"""<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>Sections</title>
<style>
 body {{ font-family: "Noto Sans CJK JP", "Noto Sans", sans-serif; font-size: 10pt; }}
 .cols {{ column-count: 2; column-gap: 2em; }}
</style></head><body>
{"".join(f'<h2>第{i}章 研究協力</h2><div class="cols"><p>{SECTION_JA}</p><p lang="en">{SECTION_EN}</p></div>'
         for i in range(1, 13))}
</body></html>
"""

IMAGE_ONLY_HTML = """<!doctype html><html><head><meta charset="utf-8"><title></title></head><body>
<svg width="400" height="300"><rect x="10" y="10" width="300" height="200" fill="#369"/></svg>
</body></html>"""

WEB_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fusion cooperation news</title>
<style>.menu { color: red; } /* STYLE-TEXT */</style>
<script>var tracker = "SCRIPT-TEXT"; document.write("SCRIPT-TEXT");</script>
</head><body>
<header><nav class="menu"><a href="/">NAV-HOME</a> <a href="/about">NAV-ABOUT</a>
<a href="/news">NAV-NEWS</a></nav></header>
<main><article>
<h1>Fusion research cooperation</h1>
<p>The ITER Organization was established in 2007, and the reactor is being built in Cadarache,
France, by seven members: China, the European Union, India, Japan, Korea, Russia and the
United States.</p>
<h2>Japan's contribution</h2>
<p>Japan supplies superconducting coils and the remote handling system, and the JT-60SA tokamak
in Naka complements the ITER programme with experiments on plasma control.</p>
<h2>国際協力</h2>
<p>日本は量子科学技術研究開発機構を通じてITER計画に参加しており、超伝導コイルを製作している。</p>
</article></main>
<aside>SIDEBAR-TEXT: related links and advertisements</aside>
<footer>FOOTER-TEXT Copyright 2024 Example News. All rights reserved.</footer>
<script>console.log("SCRIPT-TEXT");</script>
</body></html>
"""

DOCX_FACT = "The H-II Transfer Vehicle, known as KOUNOTORI, delivered cargo to the station nine times."
DOCX_JA_FACT = "「きぼう」日本実験棟は2009年に完成した。"


def require_chromium() -> str:
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (on PATH: {shutil.which('chromium')}). "
                    "Run `make system-deps` as root, or set KAKEHASHI_CHROMIUM.", pytrace=False)
    return CHROMIUM


def print_pdf(html: str, target: Path, header_footer: bool = True) -> Path:
    """`html` printed to `target` by headless Chromium (with its page header and footer)."""
    source = target.with_suffix(".html")
    source.write_text(html, encoding="utf-8")
    args = [require_chromium(), "--headless", *CHROMIUM_ARGS, f"--print-to-pdf={target}"]
    if not header_footer:
        args += ["--no-pdf-header-footer", "--print-to-pdf-no-header"]
    subprocess.run([*args, source.as_uri()], check=True, capture_output=True, timeout=120)
    source.unlink()
    assert target.read_bytes().startswith(b"%PDF-")
    return target


def write_docx(target: Path) -> Path:
    import docx

    document = docx.Document()
    document.core_properties.title = "Space cooperation notes"
    document.add_heading("Space cooperation", level=1)
    document.add_heading("Cargo to the station", level=2)
    document.add_paragraph(DOCX_FACT)
    document.add_heading("日本の実験棟", level=2)
    document.add_paragraph(DOCX_JA_FACT)
    table = document.add_table(rows=2, cols=2)
    for row, (name, year) in enumerate((("Vehicle", "First flight"), ("HTV-1", "2009"))):
        table.cell(row, 0).text, table.cell(row, 1).text = name, year
    document.save(target)
    return target


def encrypted_pdf(source: Path, target: Path, user_password: str = "secret") -> Path:
    """`source` encrypted; with an empty user password it opens without one (owner restrictions)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    target.write_bytes(buffer.getvalue())
    return target


def corrupt_pdf(source: Path, target: Path) -> Path:
    """A PDF whose body is cut off and overwritten: the header is right, nothing else is."""
    data = source.read_bytes()
    target.write_bytes(data[:400] + bytes(range(256)) * 8)
    return target
