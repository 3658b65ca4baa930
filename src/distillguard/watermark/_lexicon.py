"""The substitution table of the text-level watermark, written for this project.

Each entry is a pair of spellings, words or short phrases (words joined by ``_``) that can
replace each other anywhere in running English prose without changing its meaning. Tier 1
holds spelling variants (US/UK), contractions that have exactly one expansion ("don't",
"you're"; never "it's", which may be "it has") and fixed phrases ("for example" / "for
instance"): applied to every account. Tier 2 holds near-synonyms whose
swap is still meaning-preserving in almost every sentence (adverbs and connectives, chosen
so that neither word changes a preceding "a"/"an"): applied only at ``strength > 1``, i.e.
to accounts the gateway has put on ``watch`` or ``throttle``.

Rules for adding a pair: both words must be correct in every sentence where either is
(no "a while"/"a whilst"); neither may be a common identifier in code; the two must start
with the same vowel/consonant class; no word may appear in two pairs.
"""

from __future__ import annotations

__all__ = ["NEEDS_FOLLOWING_WORD", "TIER1", "TIER2"]

_TIER1_TEXT = """
color colour|colors colours|colored coloured|coloring colouring|colorful colourful
favorite favourite|favorites favourites|favor favour|favors favours|favorable favourable
behavior behaviour|behaviors behaviours|behavioral behavioural|neighbor neighbour
neighbors neighbours|neighborhood neighbourhood|honor honour|honored honoured|labor labour
humor humour|flavor flavour|flavors flavours|rumor rumour|harbor harbour|endeavor endeavour
center centre|centers centres|centered centred|theater theatre|theaters theatres
fiber fibre|fibers fibres|liter litre|liters litres
organize organise|organized organised|organizes organises|organizing organising
organization organisation|organizations organisations|organizational organisational
realize realise|realized realised|realizes realises|realizing realising
recognize recognise|recognized recognised|recognizes recognises|recognizing recognising
optimize optimise|optimized optimised|optimizes optimises|optimizing optimising
optimization optimisation|minimize minimise|minimized minimised|minimizing minimising
maximize maximise|maximized maximised|maximizing maximising|prioritize prioritise
prioritized prioritised|summarize summarise|summarized summarised|summarizing summarising
customize customise|customized customised|analyze analyse|analyzed analysed
analyzing analysing|emphasize emphasise|emphasized emphasised
categorize categorise|categorized categorised|characterize characterise
characterized characterised|visualize visualise|visualization visualisation
specialized specialised|standardized standardised|apologize apologise|criticize criticise
synthesize synthesise|memorize memorise|utilize utilise|utilized utilised|utilizing utilising
catalog catalogue|dialog dialogue|defense defence|modeling modelling|modeled modelled
traveling travelling|traveled travelled|traveler traveller|canceled cancelled
labeled labelled|labeling labelling|gray grey|judgment judgement|acknowledgment acknowledgement
aging ageing|toward towards|afterward afterwards|among amongst|amid amidst|fulfill fulfil
skillful skilful|enrollment enrolment|jewelry jewellery|mold mould|plow plough
do_not don't|does_not doesn't|did_not didn't|is_not isn't|are_not aren't|was_not wasn't
were_not weren't|cannot can't|will_not won't|would_not wouldn't|could_not couldn't
should_not shouldn't|has_not hasn't|have_not haven't|need_not needn't
i_am i'm|you_are you're|we_are we're|they_are they're|i_will i'll|you_will you'll
we_will we'll|they_will they'll
for_example for_instance|kind_of sort_of|a_lot_of lots_of|maybe perhaps
""".strip()

#: Pairs whose contracted form cannot end a clause ("as tall as I am." never becomes
#: "as tall as I'm."): a site of these is used only when a word follows it.
NEEDS_FOLLOWING_WORD = frozenset(
    ["i_am", "you_are", "we_are", "they_are", "i_will", "you_will", "we_will", "they_will"]
)

_TIER2_TEXT = """
often frequently|usually typically|quickly rapidly|nearly almost
furthermore moreover|therefore thus|big large|mostly largely
""".strip()


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for chunk in text.replace("\n", "|").split("|"):
        words = chunk.split()
        if len(words) == 2:
            out.append((words[0], words[1]))
    return tuple(out)


TIER1: tuple[tuple[str, str], ...] = _pairs(_TIER1_TEXT)
TIER2: tuple[tuple[str, str], ...] = _pairs(_TIER2_TEXT)
