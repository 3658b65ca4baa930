"""A tiny document model for case reports, rendered to Markdown and self-contained HTML.

The report builder emits plain-text blocks (paragraphs, lists, tables, code, quotes) and
never formats markup itself; the two renderers escape every piece of text on the way out.
One model for both formats means the Markdown and HTML reports can never say different
things, and customer text (prompts, user agents) can never inject markup into either.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

__all__ = ["Block", "Document", "Section", "render_html", "render_markdown"]


@dataclass(frozen=True)
class Block:
    """One block: ``kind`` is ``p``, ``list``, ``table``, ``code`` or ``quote``."""

    kind: str
    text: str = ""
    items: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass
class Section:
    """A titled section: a list of blocks, appended through the helper methods."""

    title: str
    blocks: list[Block] = field(default_factory=list)

    def p(self, text: str) -> None:
        self.blocks.append(Block("p", text=text))

    def bullets(self, items: list[str]) -> None:
        if items:
            self.blocks.append(Block("list", items=tuple(items)))

    def table(self, headers: list[str], rows: list[list[object]]) -> None:
        self.blocks.append(
            Block(
                "table",
                headers=tuple(headers),
                rows=tuple(tuple("" if c is None else str(c) for c in r) for r in rows),
            )
        )

    def code(self, text: str) -> None:
        self.blocks.append(Block("code", text=text))

    def quote(self, text: str) -> None:
        self.blocks.append(Block("quote", text=text))


@dataclass
class Document:
    """A titled document made of sections."""

    title: str
    sections: list[Section] = field(default_factory=list)

    def section(self, title: str) -> Section:
        sec = Section(title)
        self.sections.append(sec)
        return sec


# -------------------------------------------------------------------------- Markdown

_MD_SPECIAL = re.compile(r"([\\`*\[\]|#~]|(?<!\w)_|_(?!\w))")


def _md(text: str) -> str:
    """Escape text for Markdown: HTML entities for ``<>&``, backslashes for markup."""
    flat = " ".join(text.split("\n"))
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), html.escape(flat, quote=False))


def _md_code(text: str) -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}\n{text}\n{fence}"


def render_markdown(doc: Document) -> str:
    """The document as GitHub-flavoured Markdown (every text escaped)."""
    out = [f"# {_md(doc.title)}", ""]
    for sec in doc.sections:
        out += [f"## {_md(sec.title)}", ""]
        for b in sec.blocks:
            if b.kind == "p":
                out += [_md(b.text), ""]
            elif b.kind == "list":
                out += [f"- {_md(i)}" for i in b.items] + [""]
            elif b.kind == "table":
                out.append("| " + " | ".join(_md(h) for h in b.headers) + " |")
                out.append("|" + "---|" * len(b.headers))
                out += ["| " + " | ".join(_md(c) for c in r) + " |" for r in b.rows]
                out.append("")
            elif b.kind == "code":
                out += [_md_code(b.text), ""]
            elif b.kind == "quote":
                out += [f"> {_md(b.text)}", ""]
    return "\n".join(out).rstrip("\n") + "\n"


# ------------------------------------------------------------------------------ HTML

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2em auto;
max-width:70em;color:#1d2228;padding:0 1em}
h1{font-size:1.6em;border-bottom:2px solid #b3261e;padding-bottom:.3em}
h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ccd;padding-bottom:.2em}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
th,td{border:1px solid #ccd;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#eef0f4}td{font-variant-numeric:tabular-nums}
pre{background:#f4f5f7;padding:.7em;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
blockquote{border-left:4px solid #b3261e;margin:.5em 0;padding:.3em .8em;background:#fbf4f3;
word-break:break-word}
"""


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def render_html(doc: Document) -> str:
    """The document as one self-contained HTML page (inline CSS, no scripts, no links out)."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_h(doc.title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{_h(doc.title)}</h1>",
    ]
    for sec in doc.sections:
        out.append(f"<section><h2>{_h(sec.title)}</h2>")
        for b in sec.blocks:
            if b.kind == "p":
                out.append(f"<p>{_h(b.text)}</p>")
            elif b.kind == "list":
                out.append("<ul>" + "".join(f"<li>{_h(i)}</li>" for i in b.items) + "</ul>")
            elif b.kind == "table":
                head = "".join(f"<th>{_h(c)}</th>" for c in b.headers)
                body = "".join(
                    "<tr>" + "".join(f"<td>{_h(c)}</td>" for c in r) + "</tr>" for r in b.rows
                )
                out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
            elif b.kind == "code":
                out.append(f"<pre>{_h(b.text)}</pre>")
            elif b.kind == "quote":
                out.append(f"<blockquote>{_h(b.text)}</blockquote>")
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
