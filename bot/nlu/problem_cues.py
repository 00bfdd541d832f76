"""A small cue lexicon for the 14 problem codes, as features for the NLU classifiers.

Thirty-odd examples per code cannot teach a bag of n-grams every way buyers say "it's a fake" or "half the
order is missing". Each code gets a few regular expressions over the lower-cased message (tolerant to common
misspellings); the feature is 1 when one of them matches. The classifiers still learn how much to trust each
cue, so a cue that fires on a message about something else ("where is my refund") costs little.
"""
from __future__ import annotations

import re
from typing import Dict, Iterable, List

import numpy as np

_NOT = r"(?:not|never|no|n'?t|dont|doesnt|didnt|wont|cant|isnt|wasnt|havent|hasnt|cannot)"

CUES: Dict[str, List[str]] = {
    "not_received": [
        r"\bnever\s+(?:arrived?|came|come|received?|recie?ved?|got|get|delivered|showed up|reached)",
        r"\b(?:not|nt|no)\s+(?:yet\s+)?(?:arrived?|arrive|received?|recie?ved?|receive|delivered|reached|come)\b",
        r"(?:didn'?t|did not|have\s*n[o']?t|haven'?t|has\s*n[o']?t|hasn'?t|still not|not yet)\s+"
        r"(?:\w+\s+)?(?:arrived?|c[oa]me|receive[d]?|recie?ved?|got|get|gotten|been delivered|reach)",
        r"\b(?:lost|stuck)\b.{0,20}\b(?:transit|customs|parcel|package|post|warehouse)",
        r"\b(?:parcel|package|order)\b.{0,15}\b(?:lost|stuck)\b",
        r"\btracking\b", r"\bin transit\b", r"returned to sender",
        r"(?:says|marked|shows|status)\s+(?:as\s+)?delivered",
        r"where\s+is\s+my\s+(?:order|parcel|package|packge|item)",
        r"\b\d+\s*(?:days|weeks|months)\b.{0,20}\b(?:nothing|waiting|still)", r"still waiting",
        r"\bnothing (?:came|arrived)", r"\bnot deliver", r"\bstill not here\b", r"\bnot here yet\b",
        r"\bhas\s*n'?t (?:shown|turned) up\b", r"\bnever (?:showed|turned) up\b",
    ],
    "brand_mismatch": [
        r"\b(?:different|wrong|another|other|random|unknown|no[\s-]?name|generic|cheap)\s+brand",
        r"\bbrand\b", r"\bunbranded\b", r"\blogo\b",
    ],
    "model_mismatch": [
        r"\b(?:wrong|different|older|old|another|previous|earlier|cheaper|basic|lite|outdated)\s+"
        r"(?:model|version|generation|gen|variant|edition|series)\b",
        r"\bmodel\b", r"\bversion\b", r"\bgeneration\b", r"\bvariant\b", r"\bedition\b",
        r"\b(?:pro|max|plus|lite|mini|ultra)\b", r"\b\d+\s*(?:gb|tb)\b", r"\bv\d\b", r"\biphone\s*\d+",
    ],
    "size_mismatch": [
        r"\bsizes?\b", r"\btoo\s+(?:small|big|large|tight|short|long|loose|narrow|wide)",
        r"\b(?:smaller|bigger|larger|shorter|longer|tighter|narrower|tiny|huge)\b", r"\bfits?\b|\bfitting\b",
        r"\bruns?\s+(?:small|big|large)", r"\bdimensions?\b", r"\b(?:xxs|xs|xxl|xxxl|xl)\b",
        r"\b\d+\s*(?:cm|mm|inch|inches|m)\b", r"\bextra[\s-]+(?:small|large)\b", r"\bkids?'?\s+size\b",
    ],
    "color_mismatch": [
        r"\bcolou?rs?\b", r"\bshade\b",
        r"\b(?:black|white|red|blue|green|pink|grey|gray|beige|navy|yellow|purple|brown|cream|orange|gold|silver)\b"
        r".{0,25}\b(?:not|instead|ordered|chose|wanted|asked)\b",
    ],
    "material_mismatch": [
        r"\bmaterial\b", r"\bfabric\b", r"\bplastic\b", r"\bpolyester\b", r"\bleather\b", r"\bcotton\b",
        r"\bwool\b", r"\bsilk\b", r"\blinen\b", r"\bacrylic\b", r"\bmetal\b", r"\bsteel\b",
        r"\balumin(?:i)?um\b", r"\bwood(?:en)?\b", r"\bsilver\b", r"\btitanium\b", r"\bcopper\b", r"\bpu\b",
        r"\bcardboard\b", r"\bglass\b.{0,15}\bplastic", r"\bceramic\b",
    ],
    "weight_mismatch": [
        r"\bweigh", r"\bweight\b", r"\blighter\b", r"\bheavier\b", r"\btoo light\b", r"\bweighs? nothing",
        r"\b\d+(?:[.,]\d+)?\s*(?:kg|g|grams?|kilos?|lbs?|pounds?|oz)\b",
    ],
    "no_packaging": [
        r"\b(?:no|without|w/o|missing)\s+(?:the\s+|its\s+|a\s+|an\s+|any\s+)?(?:original\s+|retail\s+|gift\s+|outer\s+)?"
        r"(?:box|packaging|packing|package|case|shoebox|wrapping|seal)\b",
        r"\bbox\b.{0,20}\b(?:missing|not included)", r"\bplastic bag\b", r"\bmailer\b",
        r"\bpackaging\b", r"\bno box\b",
    ],
    "not_working": [
        _NOT + r"\s+(?:even\s+|really\s+)?(?:work|working|works|function|functioning|turn(?:s|ing)?\s+on|switch\s+on|"
        r"charg(?:e|es|ing)|power|connect|pair|light|spin|heat|print|play|respond|record|fly|boot|start|"
        r"hold a charge|read)",
        r"\b(?:stopped|stops|quit|quits)\s+(?:\w+\s+)?(?:working|charging|work)", r"\bdead\b", r"\bdied\b",
        r"\bdefective\b", r"\bfaulty\b", r"\bmalfunction", r"\bdoa\b", r"\bno (?:sound|power|signal|picture)",
        r"\bfreez", r"\bflicker", r"\bglitch", r"\bshuts?\s+(?:off|down)", r"\bburn(?:t|ed)?\s*(?:out)?\b",
        r"\bunusable\b", r"\bonly works\b", r"\bno function",
    ],
    "rusted_faded": [
        r"\brust", r"\bfad(?:e|ed|es|ing)\b", r"\bpeel(?!(?:ing|ed|s)?\s+off)", r"\btarnish",
        r"\bturned\s+(?:green|black|grey|gray|brown)",
        r"\bdiscolou?r", r"\bcolou?r\b.{0,15}\b(?:came|coming|comes|rubs?|rubbing|washes?|washed)\s+(?:off|out)",
        r"\boxidi[sz]",
    ],
    "damaged": [
        r"\bbr[oa]ke\b|\bbroken\b|\bbreak|\bbrok(?:n|ne)\b", r"\bcrack", r"\bscratch", r"\bdent", r"\bshatter",
        r"\bsmashed\b",
        r"\btorn\b|\bripped\b|\brip\b|\btear\b", r"\bchip(?:ped|s)?\b", r"\bhole\b", r"\bbent\b", r"\bdamage",
        r"\bleak", r"\bcrushed\b", r"\bdestroyed\b", r"\bruined\b", r"\bstain", r"\bfell off\b", r"\bcame off\b",
        r"\bsoak", r"\bwet\b", r"\bin pieces\b", r"\bseams?\b", r"\bstitch", r"\bsplit\b", r"\bwarp",
        r"\bfray", r"\bunravel", r"\bpeel(?:ing|ed|s)?\s+off\b", r"\b(?:came|coming|falling|fell)\s+apart\b",
    ],
    "wrong_item": [
        r"\bwrong\s+(?:item|product|thing|order|parcel|package|stuff|one|article)",
        r"\binstead\s+of\b",
        r"\b(?:totally|completely|entirely|whole|a)\s+different\s+(?:item|product|thing|article)",
        r"\bdifferent\s+(?:item|product|thing|article)", r"\bsomething\s+(?:else|different)",
        r"\b(?:completely|totally|entirely)\s+different\b",
        r"\bnot\s+(?:what|the\s+(?:one|item|product|thing))\s+i\s+(?:ordered|bought|paid|order|buy|asked)",
        r"\bsomeone\s+else'?s?\b", r"\banother\s+(?:customer|person)", r"\bmixed\s+up\b", r"\bnot\s+my\s+order",
        r"\b(?:sent|send|got|received|receive|shipped)\s+(?:me\s+)?(?:a|an|the)\b.{0,30}\b(?:instead|but i ordered)",
        r"\b(?:ordered|bought|paid for|order)\b.{1,40}\b(?:and|but)\s+(?:i\s+)?(?:got|received|recie?ved|receive|"
        r"they sent|get|came)\s+(?:a|an|some|the|box|pair)\b",
    ],
    "missing_parts": [
        r"\bmissing\b", r"\bnot\s+(?:in|included)\b", r"\b(?:wasn'?t|was not|were not|weren'?t)\s+(?:in|included)",
        r"\bincomplete\b", r"\bnot complete\b", r"\bonly\s+(?:got|received|came|get|had|\d+)\b",
        r"\b\d+\s+(?:of|out of)\s+(?:the\s+)?\d+\b", r"\bhalf\s+(?:of\s+)?(?:my|the)\s+order",
        r"\bwithout\s+(?:the\s+|a\s+|any\s+|its\s+)?(?!box|packag|original|retail|gift|case)\w+",
        r"\bempty\b", r"\bthe rest\b", r"\bonly\s+(?:the|one|a|half)\b",
        r"\bno\s+(?:charger|cable|battery|batteries|remote|manual|instructions|screws|adapter|lid|strap)",
    ],
    "counterfeit": [
        r"\bfakes?\b", r"\bcounterfeit", r"\breplica", r"\bknock[\s-]?offs?\b", r"\bcopy\b", r"\bimitation",
        r"\bclone\b", r"\bdupe\b", r"\bnot\s+(?:\w+\s+)?(?:original|genuine|authentic|real)\b", r"\bno original\b",
        r"\bbootleg", r"\bserial\b", r"\bhologram",
    ],
}

_COMPILED = {code: [re.compile(p) for p in patterns] for code, patterns in CUES.items()}


def cue_vector(text: str) -> List[float]:
    low = (text or "").lower().replace("\u2019", "'")
    return [1.0 if any(p.search(low) for p in _COMPILED[code]) else 0.0 for code in CUES]


def cue_codes(text: str) -> List[str]:
    """The codes whose cues the text matches, in the lexicon's order."""
    return [code for code, hit in zip(CUES, cue_vector(text), strict=True) if hit]


def cue_matrix(texts: Iterable[str], weight: float = 1.0):
    from scipy.sparse import csr_matrix

    return csr_matrix(np.array([cue_vector(t) for t in texts], dtype=float).reshape(-1, len(CUES)) * weight)


def cue_features(weight: float = 1.0):
    """A scikit-learn transformer: one binary column per problem code, times `weight`."""
    from sklearn.preprocessing import FunctionTransformer

    return FunctionTransformer(cue_matrix, kw_args={"weight": weight}, validate=False)
