"""The server-drawn SVG charts: marks match the data and every label is escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from distillguard.console._charts import bar_chart, hbar_chart, timeline_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_bar_chart_draws_one_bar_per_value_and_escapes_labels():
    svg = str(bar_chart(["<a>", "b&c", "d"], [3, 0, 6], highlight=[1, 0, 6], label='x"<y'))
    root = ET.fromstring(svg)  # well-formed XML: nothing broke out of an attribute
    assert root.get("aria-label") == 'x"<y'
    heights = [float(r.get("height")) for r in root.iter(f"{SVG}rect")]
    assert len(heights) == 5  # three bars + two highlighted parts
    assert max(heights) == heights[-1]  # the largest value fills the plot
    assert "&lt;a&gt;" in svg and "<a>" not in svg


def test_hbar_chart_widths_follow_shares():
    root = ET.fromstring(str(hbar_chart({"cot": 1.0, "chat": 0.25}, label="mix")))
    bars = [float(r.get("width")) for r in root.iter(f"{SVG}rect")][1::2]
    assert bars[0] == 4 * bars[1]


def test_timeline_marks_activity_and_the_flag():
    counts = {"acct<1>": {100: 5, 101: 1}, "acct2": {103: 2}}
    svg = str(timeline_chart(["acct<1>", "acct2"], counts, {"acct2": 103}, 100, 103, label="t"))
    ET.fromstring(svg)
    assert "acct&lt;1&gt;" in svg
    assert len(re.findall(r"exchanges</title>", svg)) == 3
    assert "first flagged" in svg
    empty = str(timeline_chart([], {}, {}, 0, 0, label="t"))
    assert "no exchanges" in empty
