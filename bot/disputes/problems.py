"""The fourteen problem codes shared by the NLU, the store and the API."""
from __future__ import annotations

from enum import Enum


class ProblemCode(str, Enum):
    NOT_RECEIVED = "not_received"
    BRAND_MISMATCH = "brand_mismatch"
    MODEL_MISMATCH = "model_mismatch"
    SIZE_MISMATCH = "size_mismatch"
    COLOR_MISMATCH = "color_mismatch"
    MATERIAL_MISMATCH = "material_mismatch"
    WEIGHT_MISMATCH = "weight_mismatch"
    NO_PACKAGING = "no_packaging"
    NOT_WORKING = "not_working"
    RUSTED_FADED = "rusted_faded"
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    MISSING_PARTS = "missing_parts"
    COUNTERFEIT = "counterfeit"


# Problems a buyer can report about an item that did arrive.
RECEIVED_PROBLEMS = frozenset(p for p in ProblemCode if p is not ProblemCode.NOT_RECEIVED)

PROBLEM_LABELS = {
    ProblemCode.NOT_RECEIVED: "Item not received",
    ProblemCode.BRAND_MISMATCH: "Brand not as described",
    ProblemCode.MODEL_MISMATCH: "Model not as described",
    ProblemCode.SIZE_MISMATCH: "Size not as described",
    ProblemCode.COLOR_MISMATCH: "Color not as described",
    ProblemCode.MATERIAL_MISMATCH: "Material not as described",
    ProblemCode.WEIGHT_MISMATCH: "Weight not as described",
    ProblemCode.NO_PACKAGING: "No packaging or box",
    ProblemCode.NOT_WORKING: "Does not work properly",
    ProblemCode.RUSTED_FADED: "Rusted or faded",
    ProblemCode.DAMAGED: "Damaged",
    ProblemCode.WRONG_ITEM: "Wrong item sent",
    ProblemCode.MISSING_PARTS: "Missing parts",
    ProblemCode.COUNTERFEIT: "Counterfeit",
}
