"""The pattern language of saved queries: a chain of node and edge patterns.

    (p:Person)-[drove within=30d]-(v:Vehicle) return p having count(v) >= 2 and sum(weight) >= 5
    (c:Company)-[shares_address]-(p:Person {dataset="watchlist"})
    (v:Vehicle)-[co_travel]-(w:Vehicle {seizures > 0})

Nodes: ``(var[:Schema] [{seizures OP n | dataset="name", ...}])``. Edges:
``-[rel|rel ... [min_weight=n] [within=Nd]]-`` (any relation when empty). ``return var``
groups the matches by that node; ``having`` tests ``count(var)`` (distinct nodes bound to
var) and ``sum(weight)`` (of the chain's edges). Errors name the 0-based position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pasienis.graph.errors import PatternSyntaxError

_TOKEN = re.compile(
    r"""\s*(?:(?P<num>\d+(?:\.\d+)?d?)|(?P<str>"[^"]*")|(?P<op>>=|<=|==|!=|>|<|=)
    |(?P<punct>-\[|\]-|[(){}:,|])|(?P<word>[A-Za-z_][A-Za-z0-9_]*))""",
    re.VERBOSE,
)
OPS = (">=", "<=", "==", "!=", ">", "<", "=")


@dataclass
class NodePattern:
    var: str
    schema: str | None = None
    seizures: tuple[str, float] | None = None
    dataset: str | None = None


@dataclass
class EdgePattern:
    relations: list[str] = field(default_factory=list)
    min_weight: float = 0.0
    within_days: float | None = None


@dataclass
class Condition:
    func: str  # count | sum
    arg: str  # a variable, or "weight"
    op: str
    value: float


@dataclass
class Pattern:
    nodes: list[NodePattern]
    edges: list[EdgePattern]
    returns: str | None = None
    having: list[Condition] = field(default_factory=list)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                if text[pos:].strip() == "":
                    break
                at = pos + len(text[pos:]) - len(text[pos:].lstrip())
                self.fail(f"unexpected character {text[at]!r}", at)
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind), m.start(kind)))
            pos = m.end()
        self.i = 0

    def fail(self, message: str, position: int | None = None) -> None:
        if position is None:
            position = self.tokens[self.i][2] if self.i < len(self.tokens) else len(self.text)
        raise PatternSyntaxError(message, text=self.text, position=position)

    def peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def take(self, kind: str | None = None, value: str | None = None) -> str:
        if self.i >= len(self.tokens):
            self.fail(f"expected {value or kind}, found the end of the pattern")
        k, v, _p = self.tokens[self.i]
        if (kind and k != kind) or (value and v.lower() != value):
            self.fail(f"expected {value or kind}, found {v!r}")
        self.i += 1
        return v


def _node(ps: _Parser) -> NodePattern:
    ps.take("punct", "(")
    node = NodePattern(ps.take("word"))
    if ps.peek() == ":":
        ps.take("punct", ":")
        node.schema = ps.take("word")
    if ps.peek() == "{":
        ps.take("punct", "{")
        while True:
            _node_prop(ps, node)
            if ps.peek() != ",":
                break
            ps.take("punct", ",")
        ps.take("punct", "}")
    ps.take("punct", ")")
    return node


def _node_prop(ps: _Parser, node: NodePattern) -> None:
    name = ps.take("word").lower()
    op = ps.take("op")
    if name == "seizures":
        node.seizures = (op, float(ps.take("num")))
    elif name == "dataset" and op in ("=", "=="):
        node.dataset = ps.take("str").strip('"')
    else:
        ps.i -= 2
        ps.fail(f'unknown node condition {name!r} (seizures OP n, dataset="name")')


def _edge(ps: _Parser) -> EdgePattern:
    ps.take("punct", "-[")
    edge = EdgePattern()
    while ps.peek() not in ("]-", None):
        word = ps.take("word")
        if ps.peek() == "=":
            ps.take("op", "=")
            _edge_attr(ps, edge, word.lower())
        else:
            edge.relations.append(word)
            if ps.peek() == "|":
                ps.take("punct", "|")
    ps.take("punct", "]-")
    return edge


def _edge_attr(ps: _Parser, edge: EdgePattern, name: str) -> None:
    value = ps.take("num")
    if name == "min_weight" and not value.endswith("d"):
        edge.min_weight = float(value)
    elif name == "within" and value.endswith("d"):
        edge.within_days = float(value[:-1])
    else:
        ps.i -= 1
        ps.fail(f"bad edge attribute {name}={value} (min_weight=n, within=Nd)")


def _condition(ps: _Parser, variables: set[str]) -> Condition:
    func = ps.take("word").lower()
    if func not in ("count", "sum"):
        ps.i -= 1
        ps.fail(f"expected count(var) or sum(weight), found {func!r}")
    ps.take("punct", "(")
    arg = ps.take("word")
    if (func == "count" and arg not in variables) or (func == "sum" and arg != "weight"):
        ps.i -= 1
        ps.fail(f"{func}() cannot take {arg!r}")
    ps.take("punct", ")")
    op = ps.take("op")
    return Condition(func, arg, "==" if op == "=" else op, float(ps.take("num")))


def parse(text: str) -> Pattern:
    """Parse a pattern or raise :class:`PatternSyntaxError` with the position."""
    ps = _Parser(text)
    nodes, edges = [_node(ps)], []
    while ps.peek() == "-[":
        edges.append(_edge(ps))
        nodes.append(_node(ps))
    pattern = Pattern(nodes, edges)
    variables = {n.var for n in nodes}
    if len(variables) != len(nodes):
        ps.fail("each node needs its own variable name", 0)
    if ps.peek() and ps.peek().lower() == "return":  # type: ignore[union-attr]
        ps.take("word")
        pattern.returns = ps.take("word")
        if pattern.returns not in variables:
            ps.i -= 1
            ps.fail(f"return names an unknown variable {pattern.returns!r}")
    if ps.peek() and ps.peek().lower() == "having":  # type: ignore[union-attr]
        ps.take("word")
        pattern.having.append(_condition(ps, variables))
        while ps.peek() and ps.peek().lower() == "and":  # type: ignore[union-attr]
            ps.take("word")
            pattern.having.append(_condition(ps, variables))
    if ps.peek() is not None:
        ps.fail(f"unexpected {ps.peek()!r}")
    if pattern.having and not pattern.returns:
        ps.fail("having needs return var", 0)
    return pattern
