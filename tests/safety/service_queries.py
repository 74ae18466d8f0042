"""Valid SPARQL queries with SERVICE calls in varied places and disguises, and Oxigraph as the
oracle of which SERVICE calls a query really makes.

The generator only writes queries Oxigraph parses; every endpoint is on port 9 of the loopback
interface, which Oxigraph refuses to call, so evaluating a generated query never leaves the
machine. The oracle reads Oxigraph's own query plan (``oxigraph query --explain-file``).
"""

from __future__ import annotations

import atexit
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from hypothesis import strategies as st

HOST = "http://127.0.0.1:9/"  # a port Oxigraph never calls
BODY = "?s ?p ?o"


@dataclass(frozen=True)
class Generated:
    """A query, its form and whether the generator put a real SERVICE call into it."""

    text: str
    form: str
    calls: int


def _cased(word: str) -> st.SearchStrategy[str]:
    """The keyword in any mix of upper and lower case."""
    return st.lists(st.booleans(), min_size=len(word), max_size=len(word)).map(
        lambda upper: "".join(c.upper() if u else c.lower() for c, u in zip(word, upper, strict=True)))


# Whitespace, or a comment that mentions SERVICE, between two tokens.
_gap = st.sampled_from([" ", "\n", "\t", "  \r\n ", " # SERVICE <http://127.0.0.1:9/c> {\n",
                        "#service\n", " #}\n"])


@st.composite
def _endpoint(draw: st.DrawFn) -> tuple[str, str]:
    """(prologue, endpoint) in one of the forms SPARQL allows for an IRI or a variable."""
    local = draw(st.sampled_from(["sparql", "q", "SERVICE", "a-b", "x1"]))
    prefix = draw(_cased("PREFIX"))
    base = draw(_cased("BASE"))
    return draw(st.sampled_from([
        ("", f"<{HOST}{local}>"),
        ("", f"<{HOST}sp\\u0061rql>"),
        ("", f"<http:\\u002F\\u002F127.0.0.1:9/{local}>"),
        (f"{prefix} e: <{HOST}>\n", f"e:{local}"),
        (f"{prefix} : <{HOST}>\n", f":{local}"),
        (f"{prefix} service: <{HOST}>\n", f"service:{local}"),
        (f"{prefix} e: <{HOST}>\n", "e:a\\-b"),
        (f"{base} <{HOST}>\n", f"<{local}>"),
        (f"{base} <{HOST}x/>\n", f"<../{local}>"),
        ("", "?endpoint"),
        ("", "$endpoint"),
    ]))


@st.composite
def _service(draw: st.DrawFn) -> tuple[str, str]:
    """(prologue, SERVICE clause)."""
    prologue, endpoint = draw(_endpoint())
    keyword = draw(_cased("SERVICE"))
    silent = draw(st.one_of(st.just(""), _cased("SILENT").map(lambda s: s + " ")))
    tight = endpoint[0] in "<?$" and not silent
    first = draw(st.sampled_from(["", " "]) if tight else _gap)
    body = draw(st.sampled_from([BODY, f"{BODY} .", f"{{ {BODY} }}"]))
    return prologue, f"{keyword}{first}{silent}{endpoint}{draw(_gap)}{{ {body} }}"


# Where a pattern can stand inside a group: each wraps the pattern P in some SPARQL syntax.
_PLACES = [
    "{P}",
    "{BODY} . {P}",
    "{BODY} {{ {P} }}",
    "{P} . {BODY}",
    "{{ {P} }}",
    "{BODY} OPTIONAL {{ {P} }}",
    "{{ {BODY} }} UNION {{ {P} }}",
    "{{ {P} }} UNION {{ {BODY} }}",
    "{BODY} MINUS {{ {P} }}",
    "{{ SELECT * WHERE {{ {P} }} }}",
    "{{ select ?s ?p ?o {{ {P} }} LIMIT 5 }}",
    "GRAPH ?g {{ {P} }}",
    "{BODY} FILTER EXISTS {{ {P} }}",
    "{BODY} FILTER NOT EXISTS {{ {P} }}",
    "{BODY} VALUES ?v {{ 1 }} {P}",
]

# Harmless text with the word in it: a string, an IRI, a variable, a prefixed name.
_DECOYS = [
    '{BODY} FILTER(?o != "SERVICE <http://127.0.0.1:9/d> {{ }}")',
    "{BODY} FILTER(?o != '''\nSERVICE <http://127.0.0.1:9/d> {{ ?s ?p ?o }}\n''')",
    "?s <http://x/SERVICE> ?service",
    "?service ?p ?o",
    "{BODY} FILTER(?o != 'service')",
]


@st.composite
def _pattern(draw: st.DrawFn, depth: int) -> tuple[str, str]:
    """(prologue, pattern) with one real SERVICE, wrapped ``depth`` times."""
    prologue, pattern = draw(_service())
    for _ in range(depth):
        place = draw(st.sampled_from(_PLACES))
        pattern = place.format(P=pattern, BODY=BODY)
    return prologue, pattern


_FORMS = {
    "select": "{kw} * WHERE {{ {G} }}",
    "select-vars": "{kw} ?s {{ {G} }}",
    "ask": "ASK {{ {G} }}",
    "construct": "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {G} }}",
    "describe": "DESCRIBE ?s WHERE {{ {G} }}",
}


@st.composite
def queries(draw: st.DrawFn) -> Generated:
    """A valid query with zero, one or two real SERVICE calls and some decoys."""
    calls = draw(st.integers(min_value=0, max_value=2))
    prologues: list[str] = []
    parts: list[str] = [BODY]
    for _ in range(calls):
        prologue, pattern = draw(_pattern(draw(st.integers(min_value=0, max_value=3))))
        prologues.append(prologue)
        parts.append(pattern)
    for decoy in draw(st.lists(st.sampled_from(_DECOYS), max_size=2)):
        parts.append(decoy.format(BODY=BODY))
    parts = draw(st.permutations(parts))
    group = " .\n".join(f"{{ {part} }}" for part in parts)
    form = draw(st.sampled_from(sorted(_FORMS)))
    keyword = draw(_cased("SELECT"))
    text = "".join(dict.fromkeys(prologues)) + _FORMS[form].format(kw=keyword, G=group)
    return Generated(text, form.split("-")[0], calls)


class Oracle:
    """Oxigraph's answer to: does this query parse, and which SERVICE calls does it plan?"""

    def __init__(self) -> None:
        beside = Path(sys.executable).with_name("oxigraph")  # the `oxigraph` test dependency
        self.cli = str(beside) if beside.exists() else shutil.which("oxigraph") or "oxigraph"
        self.folder = Path(tempfile.mkdtemp(prefix="oracle-"))
        atexit.register(shutil.rmtree, self.folder, True)
        ox.Store(str(self.folder / "store")).flush()

    def parses(self, query: str) -> bool:
        """pyoxigraph's parser accepts the query (evaluation errors do not matter)."""
        try:
            ox.Store().query(query)
        except SyntaxError:
            return False
        except Exception:  # noqa: BLE001 - evaluation failed after a successful parse
            return True
        return True

    def planned_services(self, query: str, form: str) -> set[str]:
        """Every SERVICE endpoint in Oxigraph's plan (``?var`` for a variable)."""
        return set(self._planned(query, "nt" if form in ("construct", "describe") else "tsv"))

    @lru_cache(maxsize=4096)  # noqa: B019 - one oracle per session; the cache is the point
    def _planned(self, query: str, results: str) -> tuple[str, ...]:
        explain = self.folder / "plan.json"
        explain.unlink(missing_ok=True)
        subprocess.run([self.cli, "query", "--location", str(self.folder / "store"),
                        "--query", query, "--results-format", results,
                        "--explain-file", str(explain)],
                       capture_output=True, timeout=30, check=False)
        found: list[str] = []
        stack = [json.loads(explain.read_text())["plan"]]
        while stack:
            node = stack.pop()
            match = re.match(r"Service\((?:<([^>]*)>|([?$]\w+))", node["name"])
            if match:
                found.append(match.group(1) or "?" + match.group(2)[1:])
            stack.extend(node["children"])
        return tuple(sorted(found))
