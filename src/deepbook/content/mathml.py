"""MathML that reads aloud and looks right: what latex2mathml gives, finished for the page.

- Every `<math>` gets an accessible name: `aria-label` holds a linear reading of the formula
  built from the MathML itself ("KL = 1/2 Σ_j (μ_j^2 + σ_j^2 − 1 − log σ_j^2)"), and `alttext`
  keeps the LaTeX source. A quiz option or a table header made only of math then has a name a
  screen reader can say.
- A function name (log, tanh, exp, …) is followed by a thin space, as in print ("tanh z",
  "log 0.659"), unless an opening parenthesis follows.
- A prime (′) is an operator set right after its base (f′), not an identifier raised as a
  superscript, where the already-high glyph would float above the letter.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

NS = "http://www.w3.org/1998/Math/MathML"
ET.register_namespace("", NS)
PRIMES = {"\u2032", "\u2033", "\u2034", "'"}
FUNCTIONS = {
    "arg", "cos", "cosh", "dec", "det", "dim", "enc", "exp", "lim", "ln", "log", "max", "min",
    "sign", "sin", "sinh", "softmax", "tan", "tanh", "ReLU", "GELU", "SiLU", "argmax", "argmin",
}  # fmt: skip
OPEN = {"(", "[", "{", "|", "\u2016"}
ACCENTS = {
    "^": "hat", "\u02c6": "hat", "\u00af": "bar", "\u203e": "bar", "~": "tilde",
    "\u02dc": "tilde", "\u02d9": "dot", "\u2192": "vector",
}  # fmt: skip


def _tag(el: ET.Element) -> str:
    return el.tag.rsplit("}", 1)[-1]


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _fix(el: ET.Element) -> None:
    """Primes become operators; function names get a thin space after them."""
    children = list(el)
    for i, child in enumerate(children):
        _fix(child)
        tag = _tag(child)
        text = (child.text or "").strip()
        if tag == "mo" and len(text) > 1 and text.isalpha():  # \operatorname{ReLU}: a name,
            child.tag = _q("mi")  # upright as a multi-letter <mi>, without an operator's spacing
            tag = "mi"
        if tag == "msup" and len(child) == 2 and (child[1].text or "").strip() in PRIMES:
            # f′: the prime glyph already sits high, so as a superscript it would float above
            # the letter; set it beside the base as an operator without spacing
            mark = (child[1].text or "").strip()
            prime = ET.Element(_q("mo"), {"lspace": "0", "rspace": "0"})
            prime.text = "\u2032" if mark == "'" else mark
            at = list(el).index(child)
            el.remove(child)
            el.insert(at, child[0])
            el.insert(at + 1, prime)
            continue
        if tag == "mi" and text in FUNCTIONS and i + 1 < len(children):
            after = children[i + 1]
            first = after
            while len(first) and _tag(first) in ("mrow", "mstyle"):
                first = first[0]
            if (first.text or "").strip() in OPEN:
                continue
            space = ET.Element(_q("mspace"), {"width": "0.1667em"})
            el.insert(list(el).index(after), space)


def _group(text: str) -> str:
    """Parenthesise a multi-part operand of / ^ _ (a single symbol or number stays bare)."""
    return text if " " not in text else f"({text})"


def speak(el: ET.Element) -> str:
    """A linear reading of a MathML element."""
    tag = _tag(el)
    kids = list(el)
    if tag in ("mi", "mn", "mtext", "ms"):
        return (el.text or "").strip()
    if tag == "mo":
        t = (el.text or "").strip()
        return "" if t == "\u2061" else t
    if tag == "mspace":
        return ""
    if tag == "mfrac" and len(kids) == 2:
        return f"{_group(speak(kids[0]))}/{_group(speak(kids[1]))}"
    if tag == "msqrt":
        return f"√({' '.join(filter(None, map(speak, kids)))})"
    if tag == "mroot" and len(kids) == 2:
        return f"root {speak(kids[1])} of ({speak(kids[0])})"
    if tag == "msup" and len(kids) == 2:
        sup = speak(kids[1])
        base = speak(kids[0])
        return f"{base}{sup}" if sup in PRIMES else f"{base}^{_group(sup)}"
    if tag == "msub" and len(kids) == 2:
        return f"{speak(kids[0])}_{_group(speak(kids[1]))}"
    if tag == "msubsup" and len(kids) == 3:
        return f"{speak(kids[0])}_{_group(speak(kids[1]))}^{_group(speak(kids[2]))}"
    if tag in ("munder", "mover", "munderover"):
        base, marks = speak(kids[0]) if kids else "", [speak(k) for k in kids[1:]]
        if tag == "mover" and marks and (marks[0] in ACCENTS or el.get("accent") == "true"):
            return f"{base} {ACCENTS.get(marks[0], marks[0])}"
        if tag == "munder":
            return f"{base}_{_group(marks[0])}" if marks else base
        if tag == "mover":
            return f"{base}^{_group(marks[0])}" if marks else base
        return f"{base}_{_group(marks[0])}^{_group(marks[1])}" if len(marks) == 2 else base
    if tag == "mtable":
        return "; ".join(speak(row) for row in kids)
    if tag == "mtr":
        return ", ".join(speak(cell) for cell in kids)
    prev_letter = False  # adjacent letters read as one word: "KL", not "K L"
    out = ""
    for k in kids:
        part = speak(k)
        if not part:
            continue
        letters = _tag(k) == "mi" and part.isalpha() and len(part) == 1
        glue = "" if letters and out[-1:].isalpha() and prev_letter else " "
        out = f"{out}{glue}{part}" if out else part
        prev_letter = letters
    return out


MATHML_NS = "http://www.w3.org/1998/Math/MathML"


def finish(mathml: str, latex: str) -> str:
    """latex2mathml's output with an accessible name, thin spaces after function names and
    primes as operators."""
    root = ET.fromstring(mathml)
    if len(root) == 1 and _tag(root[0]) == "mrow" and not root[0].attrib:
        # latex2mathml wraps every formula in one <mrow>; <math> already is one (MathML Core)
        (row,) = root
        root.remove(row)
        root.extend(row)
    _fix(root)
    label = " ".join(speak(root).split())
    label = label.replace("( ", "(").replace(" )", ")").replace("[ ", "[").replace(" ]", "]")
    label = label.replace(" \u2032", "\u2032")
    root.set("alttext", latex.strip())
    root.set("aria-label", label or latex.strip())
    out = ET.tostring(root, encoding="unicode", short_empty_elements=False)
    # in HTML, <math> is MathML without a namespace, and inline is its default display: 10 KB
    # of a chapter's page said nothing
    head, rest = out.split(">", 1)
    head = head.replace(f' xmlns="{MATHML_NS}"', "").replace(' display="inline"', "")
    return f"{head}>{rest}"
