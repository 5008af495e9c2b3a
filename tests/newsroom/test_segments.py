"""Rendering text with highlighted spans: escaped, exact, overlaps visible."""

import html
import re

from django.template import engines

from annotations.pages.annotate import TEXT_MACROS
from annotations.pages.segments import Span, paragraph, paragraphs, text_paragraphs


def paragraphs_html(paragraphs: list, swap: bool = False) -> str:
    """Paragraphs as the page's template writes them."""
    macros = engines["jinja2"].get_template(TEXT_MACROS).template.module
    return macros.paragraphs(paragraphs, swap=swap)


def render_text(text: str, spans: list[Span], swap: bool = False) -> str:
    """The whole text, paragraph by paragraph, as the page's template writes it."""
    return paragraphs_html(text_paragraphs(text, spans), swap=swap)


def render_segments(text: str, spans: list[Span]) -> str:
    """The text as one paragraph, as the page's template writes it, without its wrapper."""
    rendered = paragraphs_html([paragraph(text, 0, 0, len(text), spans)])
    return re.fullmatch(r'<span class="para" id="para-0">(.*)</span>', rendered, re.S)[1]


def text_of(rendered: str) -> str:
    """What the browser's text nodes hold: the markup stripped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


def test_text_without_spans_is_escaped_and_unchanged():
    text = "<script>alert(1)</script> & \"quotes\"\n\n'{{ x }}' {% if %}"
    rendered = render_segments(text, [])
    assert "<script>" not in rendered
    assert text_of(rendered) == text


def test_spans_become_marks_and_the_text_nodes_still_concatenate_to_the_text():
    text = "👩‍👩‍👧 <b>Angela Merkel</b> met Macron."
    start = text.index("Angela")
    spans = [Span(7, start, start + 13, "ent ent-PERSON", "PERSON")]
    rendered = render_segments(text, spans)
    assert (
        '<mark class="ent ent-PERSON" data-ent="7" data-ents="7" title="PERSON">'
        "Angela Merkel</mark>" in rendered
    )
    assert "&lt;b&gt;" in rendered and "<b>" not in rendered
    assert text_of(rendered) == text


def test_overlapping_and_nested_spans_are_cut_into_segments():
    text = "the Kyiv Independent newsroom"
    outer = Span(1, 4, 20, "ent ent-ORG", "ORG")  # Kyiv Independent
    inner = Span(2, 4, 8, "ent ent-GPE", "GPE")  # Kyiv
    tail = Span(3, 9, 29, "ent ent-FAC", "FAC")  # Independent newsroom (overlaps outer)
    rendered = render_segments(text, [outer, inner, tail])
    marks = re.findall(
        r'<mark class="([^"]+)" data-ent="(\d+)" data-ents="([^"]+)"[^>]*>([^<]*)</mark>', rendered
    )
    assert marks == [
        ("ent ent-GPE ent-overlap", "2", "1 2", "Kyiv"),
        ("ent ent-ORG", "1", "1", " "),
        ("ent ent-ORG ent-overlap", "1", "1 3", "Independent"),
        ("ent ent-FAC", "3", "3", " newsroom"),
    ]
    assert text_of(rendered) == text


def test_layers_combine_in_one_mark_with_each_layers_innermost_span():
    text = "Egyptian security sources said"
    rendered = render_segments(
        text,
        [
            Span(5, 0, 25, "claim lab-anonymous_source", "Anonymous source", layer="claim"),
            Span(9, 0, 8, "ent ent-NORP", "NORP"),
        ],
    )
    assert rendered.startswith(
        '<mark class="claim lab-anonymous_source ent ent-NORP" data-claim="5" data-claims="5" '
        'data-ent="9" data-ents="9" title="Anonymous source · NORP">Egyptian</mark>'
        '<mark class="claim lab-anonymous_source" data-claim="5" data-claims="5"'
    )
    assert text_of(rendered) == text


def test_a_hostile_title_attribute_is_escaped():
    rendered = render_segments("abc", [Span(1, 0, 3, "ent", '"><img src=x onerror=alert(1)>')])
    assert "<img" not in rendered
    # The whole value stays inside the attribute (its quote escaped) and reads back unchanged.
    title = re.search(r' title="([^"]*)"', rendered)[1]
    assert html.unescape(title) == '"><img src=x onerror=alert(1)>'


def test_a_thousand_spans_render_in_one_pass():
    text = "word " * 2000
    spans = [Span(i, i * 10, i * 10 + 4, "ent", "X") for i in range(1000)]
    rendered = render_segments(text, spans)
    assert rendered.count("<mark") == 1000 and text_of(rendered) == text


def test_paragraphs_cover_the_text_and_wrap_it_without_adding_characters():
    text = "First para.\n\nSecond para\nstill second.\n\n\n😀 Third."
    assert paragraphs(text) == [(0, 13), (13, 41), (41, len(text))]
    crossing = Span(1, 6, 20, "claim lab-x", "X", layer="claim")  # crosses into paragraph 2
    rendered = render_text(text, [crossing])
    assert rendered.count('<span class="para" id="para-') == 3
    assert rendered.count('data-claim="1"') == 2  # cut at the paragraph boundary
    assert text_of(rendered) == text
    assert paragraphs("") == [(0, 0)]


def test_touched_paragraphs_swap_out_of_band_and_every_span_id_is_written():
    text = "Zero.\n\nOne."
    rendered = render_text(text, [Span(0, 0, 4, "ent ent-ORG", "ORG")], swap=True)
    assert rendered.startswith(
        '<span class="para" id="para-0" hx-swap-oob="true"><mark class="ent ent-ORG" '
        'data-ent="0" data-ents="0" title="ORG">Zero</mark>.\n\n</span>'
    )
    assert text_of(rendered) == text
