"""Scripts and styles are served minified (web/assets.py), and nothing but comments and spacing
goes: every token of every script, literals included, comes through unchanged."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from deepbook.settings import Settings
from deepbook.web.app import create_app
from deepbook.web.assets import minified

STATIC = Path(__file__).parents[2] / "src" / "deepbook" / "web" / "static"
SCRIPTS = sorted(STATIC.rglob("*.js"))
STYLES = sorted(STATIC.rglob("*.css"))

# operators longest first, so `++` is one token and `+ +` two
OPERATORS = sorted(
    [">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "=>", "==", "!=", "<=", ">=", "&&",
     "||", "??", "?.", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "**", "<<",
     ">>"],
    key=len,
    reverse=True,
)  # fmt: skip
REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^") | {
    "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do",
    "else", "yield", "await", *OPERATORS,
}  # fmt: skip
WORD = re.compile(r"[A-Za-z0-9_$\u0080-\uffff]+(?:\.[0-9][A-Za-z0-9_]*)?|\.[0-9][A-Za-z0-9_]*")


class Lexed:
    """A script's tokens without comments and spacing, and whether a template literal sits
    inside another's `${…}` (which rjsmin does not keep intact)."""

    def __init__(self, src: str) -> None:
        self.tokens: list[str] = []
        self.nested = False
        self.src, self.i = src, 0
        depth: list[int] = []  # for each open `${`: the brace depth it opened at
        braces = 0
        while self.i < len(src):
            c, rest = src[self.i], src[self.i : self.i + 4]
            if c.isspace():
                self.i += 1
            elif rest.startswith("//"):
                end = src.find("\n", self.i)
                self.i = len(src) if end < 0 else end
            elif rest.startswith("/*"):
                self.i = src.index("*/", self.i + 2) + 2
            elif c in "'\"":
                self._quoted(c)
            elif c == "`":
                self.nested |= bool(depth)
                if self._template():
                    depth.append(braces)
            elif c == "}" and depth and depth[-1] == braces:
                depth.pop()
                if self._template():
                    depth.append(braces)
            elif c == "/" and (not self.tokens or self.tokens[-1] in REGEX_AFTER):
                self._regex()
            elif m := WORD.match(src, self.i):
                self._take(m.end())
            else:
                op = next((o for o in OPERATORS if src.startswith(o, self.i)), c)
                braces += {"{": 1, "}": -1}.get(op, 0)
                self._take(self.i + len(op))

    def _take(self, end: int) -> None:
        self.tokens.append(self.src[self.i : end])
        self.i = end

    def _quoted(self, quote: str) -> None:
        j = self.i + 1
        while self.src[j] != quote:
            j += 2 if self.src[j] == "\\" else 1
        self._take(j + 1)

    def _template(self) -> bool:
        """A template's text up to its end (False) or up to a `${` (True)."""
        j = self.i + 1
        while not self.src.startswith(("`", "${"), j):
            j += 2 if self.src[j] == "\\" else 1
        opens = self.src.startswith("${", j)
        self._take(j + (2 if opens else 1))
        return opens

    def _regex(self) -> None:
        j, in_class = self.i + 1, False
        while in_class or self.src[j] != "/":
            if self.src[j] == "\n":
                raise AssertionError(f"unterminated regular expression at {self.i}")
            in_class = (in_class or self.src[j] == "[") and self.src[j] != "]"
            j += 2 if self.src[j] == "\\" else 1
        m = WORD.match(self.src, j + 1)
        self._take(m.end() if m else j + 1)


def test_the_lexer_sees_literals_and_nesting() -> None:
    src = "a = b / 2; // c\nr = /[/`]x/g; s = `x ${ {y: `z`}.y } w` + 'q\\'' /* d */ + ++n"
    lexed = Lexed(src)
    assert lexed.nested
    assert lexed.tokens[:8] == ["a", "=", "b", "/", "2", ";", "r", "="]
    assert "/[/`]x/g" in lexed.tokens and "'q\\''" in lexed.tokens and "++" in lexed.tokens
    assert "} w`" in lexed.tokens and "`z`" in lexed.tokens
    assert not Lexed("t = `a ${b} c ${d}`;").nested


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: str(p.relative_to(STATIC)))
def test_a_minified_script_keeps_every_token(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    original = Lexed(source)
    assert not original.nested, f"{path.name}: a template literal inside another's ${{…}}"
    small = minified(path).decode()
    assert Lexed(small).tokens == original.tokens
    assert len(small) < len(source)


@pytest.mark.skipif(
    shutil.which("node") is None, reason="node is not installed (make test adds it)"
)
def test_every_minified_script_parses(tmp_path: Path) -> None:
    for path in SCRIPTS:
        out = tmp_path / f"{path.stem}.mjs"  # each as an ES module, as the pages load them
        out.write_bytes(minified(path))
        done = subprocess.run(["node", "--check", str(out)], capture_output=True, text=True)
        assert done.returncode == 0, f"{path.name}: {done.stderr}"


def css_rules(text: str) -> list[str]:
    """A stylesheet's rules, comments gone and spacing made canonical."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r" ?([{}:;,>+~]) ?", r"\1", text).replace(";}", "}").replace(" !", "!")
    return text.strip().split("}")


@pytest.mark.parametrize("path", STYLES, ids=lambda p: str(p.relative_to(STATIC)))
def test_a_minified_stylesheet_keeps_every_rule(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert css_rules(minified(path).decode()) == css_rules(source)


@pytest.fixture(params=[True, False], ids=["minified", "as-written"])
def served(request: pytest.FixtureRequest, tmp_path: Path):
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'a.db'}",
        open_browser=False,
        minify_assets=request.param,
    )
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as c:
        yield c, request.param


def test_the_server_sends_them_with_validators(served: tuple[TestClient, bool]) -> None:
    client, minify = served
    for name, kind in (("js/lib/sim.js", "text/javascript"), ("css/deepbook.css", "text/css")):
        path = STATIC / name
        r = client.get(f"/static/{name}", headers={"accept-encoding": "identity"})
        assert r.status_code == 200 and r.headers["content-type"].startswith(kind)
        expected = minified(path) if minify else path.read_bytes()
        assert r.content == expected
        assert int(r.headers["content-length"]) == len(expected)
        again = client.get(f"/static/{name}", headers={"if-none-match": r.headers["etag"]})
        assert again.status_code == 304 and not again.content
        since = {"if-modified-since": r.headers["last-modified"]}
        assert client.get(f"/static/{name}", headers=since).status_code == 304
    other = client.get("/static/img/missing.png")
    assert other.status_code == 404
