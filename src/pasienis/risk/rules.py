"""Risk rules written by analysts in YAML: conditions on declaration fields and features.

A rule set is one file with a ``version`` and ``rules``; each rule has an ``id``, a
``weight`` (log-odds added to the score when it fires), a ``reason`` an officer can read out,
and a ``when`` condition. Conditions name canonical fields (``origin``, ``hs_code``…) or
features (``unit_value_ratio``, ``importer_rate_prior``, ``graph_seizure_links``…), so a rule
sees exactly what the model sees. Outcomes (``label``, ``revenue``) are not visible to rules.

Every problem is reported as ``file:line: what is wrong`` and the whole set is refused.
"""

from __future__ import annotations

import hashlib
import operator
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pasienis.ingest.suggest import did_you_mean
from pasienis.model.schema_files import LineDict, load_yaml_lines
from pasienis.risk.errors import RuleError
from pasienis.risk.features import CATEGORICAL, NUMERIC
from pasienis.risk.mapping import FIELDS

#: Fields a condition may name, and whether they hold numbers or text.
RULE_FIELDS: dict[str, str] = {
    **{
        f: ("number" if k == "number" else "date" if k == "date" else "text")
        for f, (k, _) in FIELDS.items()
        if f not in ("label", "revenue")
    },
    **dict.fromkeys(CATEGORICAL, "text"),
    **dict.fromkeys(NUMERIC, "number"),
}
_COMPARE = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge}
_NUMERIC_OPS = {*_COMPARE, "between"}
_TEXT_OPS = {"prefix", "matches"}
_ANY_OPS = {"eq", "ne", "in", "not_in", "exists"}
OPS = _NUMERIC_OPS | _TEXT_OPS | _ANY_OPS
_RULE_KEYS = {"id", "weight", "reason", "when", "enabled"}


@dataclass(frozen=True)
class Rule:
    id: str
    weight: float
    reason: str
    when: Any
    line: int


@dataclass(frozen=True)
class RuleSet:
    version: int
    rules: tuple[Rule, ...]
    source: str
    digest: str

    def fire(self, facts: pd.DataFrame) -> pd.DataFrame:
        """A boolean column per rule: did it fire on each row."""
        return pd.DataFrame({r.id: _eval(r.when, facts) for r in self.rules}, index=facts.index)

    def weights(self) -> pd.Series:
        return pd.Series({r.id: r.weight for r in self.rules}, dtype=float)

    def describe(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "digest": self.digest,
            "source": self.source,
            "rules": [{"id": r.id, "weight": r.weight, "reason": r.reason} for r in self.rules],
        }


def load_rules(path: Path | str) -> RuleSet:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleError([f"{p}: cannot read the rules: {exc.strerror}"]) from exc
    return parse_rules(text, str(p))


def parse_rules(text: str, source: str = "<rules>") -> RuleSet:
    """Check and compile a rule set; raises :class:`RuleError` listing every problem."""
    try:
        doc = load_yaml_lines(text)
    except Exception as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f"{source}:{line + 1}" if line is not None else source
        raise RuleError([f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}"]) from exc
    problems: list[str] = []
    if not isinstance(doc, LineDict) or not isinstance(doc.get("rules"), list):
        raise RuleError(
            [f"{source}:1: a rule set is a mapping with 'version' and 'rules' (a list)"]
        )
    for key in doc:
        if key not in ("version", "rules", "title"):
            problems.append(
                f"{source}:{doc.lines[key]}: unknown key {key!r}"
                f"{did_you_mean(str(key), ('version', 'rules', 'title'))}"
            )
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append(
            f"{source}:{doc.lines.get('version', 1)}: 'version' must be a "
            "positive whole number (raise it with every change)"
        )
    rules, seen = [], set()
    for item in doc["rules"]:
        rule = _rule(item, source, problems, doc.lines["rules"])
        if rule is None:
            continue
        if rule.id in seen:
            problems.append(f"{source}:{rule.line}: rule id {rule.id!r} is used twice")
        seen.add(rule.id)
        rules.append(rule)
    if problems:
        raise RuleError(problems)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return RuleSet(int(version), tuple(rules), source, digest)


def _rule(item: Any, source: str, problems: list[str], parent_line: int) -> Rule | None:
    if not isinstance(item, LineDict):
        problems.append(
            f"{source}:{parent_line}: each rule is a mapping with id, weight, reason and when"
        )
        return None
    line = item.line
    for key in item:
        if key not in _RULE_KEYS:
            problems.append(
                f"{source}:{item.lines[key]}: unknown rule key {key!r}"
                f"{did_you_mean(str(key), _RULE_KEYS)}"
            )
    rid, weight, reason = item.get("id"), item.get("weight"), item.get("reason")
    before = len(problems)
    if not isinstance(rid, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", rid or ""):
        problems.append(
            f"{source}:{item.lines.get('id', line)}: rule needs an 'id' of "
            "letters, digits, '-', '_' or '.'"
        )
    if isinstance(weight, bool) or not isinstance(weight, int | float):
        problems.append(
            f"{source}:{item.lines.get('weight', line)}: rule {rid!r} needs a "
            "numeric 'weight' (log-odds added when it fires)"
        )
    if not isinstance(reason, str) or not reason.strip():
        problems.append(
            f"{source}:{item.lines.get('reason', line)}: rule {rid!r} needs a "
            "'reason' an officer can read"
        )
    if "when" not in item:
        problems.append(f"{source}:{line}: rule {rid!r} needs a 'when' condition")
    else:
        _check(item["when"], source, item.lines["when"], problems)
    if len(problems) > before or item.get("enabled", True) is False:
        return None
    return Rule(str(rid), float(weight), str(reason).strip(), item["when"], line)


def _check(cond: Any, source: str, line: int, problems: list[str]) -> None:
    """Validate a condition tree (recursively), reporting each problem with its line."""
    if not isinstance(cond, LineDict) or not cond:
        problems.append(
            f"{source}:{line}: a condition is a mapping: 'field: test', "
            "'all: [...]', 'any: [...]' or 'not: ...'"
        )
        return
    for key, arg in cond.items():
        at = cond.lines[key]
        if key in ("all", "any"):
            if not isinstance(arg, list) or not arg:
                problems.append(f"{source}:{at}: '{key}' takes a non-empty list of conditions")
                continue
            for sub in arg:
                _check(sub, source, getattr(sub, "line", at), problems)
        elif key == "not":
            _check(arg, source, getattr(arg, "line", at), problems)
        elif key not in RULE_FIELDS:
            hidden = " (outcomes are not visible to rules)" if key in ("label", "revenue") else ""
            problems.append(
                f"{source}:{at}: unknown field {key!r}"
                f"{hidden or did_you_mean(str(key), RULE_FIELDS)}"
            )
        else:
            _check_test(key, arg, source, at, problems)


def _check_test(name: str, test: Any, source: str, line: int, problems: list[str]) -> None:
    kind = RULE_FIELDS[name]
    if not isinstance(test, dict):
        test = {"eq": test}
    for op, arg in test.items():
        at = test.lines.get(op, line) if isinstance(test, LineDict) else line
        wrong = _wrong_test(name, kind, op, arg)
        if wrong:
            problems.append(f"{source}:{at}: {wrong}")


def _wrong_test(name: str, kind: str, op: str, arg: Any) -> str | None:
    """What is wrong with one test, or None."""
    if op not in OPS:
        return (
            f"unknown test {op!r} on {name!r}{did_you_mean(str(op), OPS)} "
            f"(tests: {', '.join(sorted(OPS))})"
        )
    if op in _NUMERIC_OPS and kind != "number":
        return f"{op!r} compares numbers, but {name!r} is {kind}"
    if op in _TEXT_OPS and kind == "number":
        return f"{op!r} tests text, but {name!r} is a number"
    if op == "between":
        ok = isinstance(arg, list) and len(arg) == 2 and all(_is_num(a) for a in arg)
        return None if ok else "'between' takes [low, high] numbers"
    if op in _COMPARE and not _is_num(arg):
        return f"{op!r} on {name!r} needs a number, not {arg!r}"
    if op in ("in", "not_in") and not isinstance(arg, list):
        return f"{op!r} takes a list of values"
    if op == "exists" and not isinstance(arg, bool):
        return "'exists' takes true or false"
    if op == "matches":
        try:
            re.compile(str(arg))
        except re.error as exc:
            return f"'matches' pattern {arg!r} is wrong: {exc}"
    return None


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _eval(cond: Any, facts: pd.DataFrame) -> np.ndarray:
    """The rows where a (checked) condition holds."""
    out = np.ones(len(facts), bool)
    for key, arg in cond.items():
        if key == "all":
            for sub in arg:
                out &= _eval(sub, facts)
        elif key == "any":
            hit = np.zeros(len(facts), bool)
            for sub in arg:
                hit |= _eval(sub, facts)
            out &= hit
        elif key == "not":
            out &= ~_eval(arg, facts)
        else:
            out &= _test(facts[key], arg if isinstance(arg, dict) else {"eq": arg})
    return out


def _test(col: pd.Series, test: dict[str, Any]) -> np.ndarray:
    numeric = pd.api.types.is_numeric_dtype(col) and not isinstance(col.dtype, pd.CategoricalDtype)
    text = col.astype(str).where(col.notna(), "") if not numeric else None
    present = col.notna().to_numpy() & (text.ne("").to_numpy() if text is not None else True)
    out = np.ones(len(col), bool)
    for op, arg in test.items():
        if op == "exists":
            out &= present if arg else ~present
        elif op in _COMPARE or op == "between":
            v = col.to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):  # NaN compares false: never fires a threshold
                if op == "between":
                    out &= (v >= arg[0]) & (v <= arg[1])
                else:
                    out &= _COMPARE[op](v, arg)
        elif op in ("eq", "ne", "in", "not_in"):
            values = arg if op in ("in", "not_in") else [arg]
            if numeric:
                hit = col.isin([float(a) for a in values if _is_num(a)]).to_numpy()
            else:
                hit = text.isin([str(a) for a in values]).to_numpy()
            out &= hit if op in ("eq", "in") else (~hit & present)
        elif op == "prefix":
            prefixes = tuple(str(a) for a in (arg if isinstance(arg, list) else [arg]))
            out &= text.str.startswith(prefixes).to_numpy()
        elif op == "matches":
            out &= text.str.contains(str(arg), regex=True).to_numpy()
    return out
