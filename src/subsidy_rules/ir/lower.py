"""Policy model -> rule IR, and binding a rule's parameters for a date and a county."""

from __future__ import annotations

import datetime as _dt
from typing import Dict, List, Mapping, Optional, Tuple

import attrs

from .. import model as m
from ..expr import ast
from ..expr.codegen import shown_side
from ..expr.interpret import region_paths
from ..expr.printer import to_text
from ..expr.types import Scope, resolve
from ..runtime import fen
from . import nodes as ir
from .refs import rule_refs


def computed_nodes(expr: ast.Expr) -> List[ast.Expr]:
    """The values of a region an explanation shows besides its facts and parameters, in source order:
    top-level aggregates, computed sides of comparisons and rule references (never inside an aggregate)."""
    found: List[ast.Expr] = []

    def visit(node: ast.Expr) -> None:
        if isinstance(node, ast.Aggregate):
            found.append(node)
            return  # values inside an item body are not shown on their own
        if isinstance(node, ast.RuleRef):
            found.append(node)
            return
        if isinstance(node, ast.Compare):
            for side in (node.left, node.right):
                if shown_side(side):
                    found.append(side)
        for child in ast.children(node):
            visit(child)

    visit(expr)
    order = {id(node): index for index, node in enumerate(ast.walk(expr))}
    return sorted(found, key=lambda node: order.get(id(node), 0))


def observed_of(expr: ast.Expr, scope: Scope) -> Tuple[ir.Observed, ...]:
    found: List[ir.Observed] = []
    keys = set()

    def add(slot: ir.Observed) -> None:
        if (slot.kind, slot.key) not in keys:
            keys.add((slot.kind, slot.key))
            found.append(slot)

    for path in region_paths(expr):
        if resolve(path.parts, scope).type.scalar:
            add(ir.Observed("fact", path.dotted))
    for node in ast.walk(expr):
        if isinstance(node, ast.Param):
            add(ir.Observed("param", node.name))
    for node in computed_nodes(expr):
        if isinstance(node, ast.RuleRef):
            add(ir.Observed("rule", "@" + node.rule_id, node))
        else:
            add(ir.Observed("computed", to_text(node), node))
    return tuple(found)


def with_implications(expr: ast.Expr, scope: Scope) -> ast.Expr:
    """Read a fact that others imply as itself when given, else true when what implies it is true:
    a registered-poor worker is a poor-household worker whether or not the claim says so (and one
    the claim says is not poor is not, whatever else it leaves out). Declared once, in the schema."""

    def rewrite(node: ast.Expr, scope: Scope) -> ast.Expr:
        if isinstance(node, ast.Path):
            resolved = resolve(node.parts, scope)
            field = resolved.fields[-1] if resolved.fields else None
            if field is None or not field.implied_by:
                return node
            # as given when given; else true when what implies it is true; else unknown
            otherwise: ast.Expr = node
            for name in reversed(field.implied_by):
                source = ast.Path(node.parts[:-1] + (name,), span=node.span)
                otherwise = ast.If(source, ast.BoolLit(True, span=node.span), otherwise, span=node.span)
            return ast.If(ast.Call("known", (node,), span=node.span), node, otherwise, span=node.span)
        if isinstance(node, ast.Aggregate):
            inner = scope.enter(resolve(node.source.parts, scope).type.entity or "")  # type: ignore[union-attr]
            return attrs.evolve(node, value=None if node.value is None else rewrite(node.value, inner),
                                where=None if node.where is None else rewrite(node.where, inner))
        if isinstance(node, ast.Call) and node.name == "known":
            return node  # whether the fact itself is given
        changes = {name: _rewrite_field(value, scope, rewrite) for name, value in _fields(node)}
        changes = {k: v for k, v in changes.items() if v is not getattr(node, k)}
        return attrs.evolve(node, **changes) if changes else node

    return rewrite(expr, scope)


def _fields(node: ast.Expr):
    for field in attrs.fields(type(node)):
        if field.name != "span":
            yield field.name, getattr(node, field.name)


def _rewrite_field(value, scope, rewrite):
    if isinstance(value, tuple) and value and all(attrs.has(type(v)) for v in value):
        new = tuple(rewrite(v, scope) for v in value)
        return value if all(a is b for a, b in zip(new, value)) else new
    if attrs.has(type(value)):
        return rewrite(value, scope)
    return value


class _Lowering:
    def __init__(self, rule: m.Rule, schema: m.FactSchema, parameters: Mapping[str, m.Parameter]) -> None:
        self.rule = rule
        self.schema = schema
        self.parameters = parameters

    def region(self, expression: m.Expression, scope: Scope) -> ir.Region:
        tree = with_implications(expression.tree, scope)
        return ir.Region(tree, expression.text, observed_of(tree, scope), expression.span)

    def tree(self, group: m.Group, scope: Scope) -> ir.Tree:
        nodes: List[ir.Node] = []

        def lower(node: m.Node) -> ir.Node:
            index = len(nodes)
            nodes.append(None)  # type: ignore[arg-type]  # the slot of this node in pre-order
            if isinstance(node, m.Condition):
                built: ir.Node = ir.Leaf(index, node.id, node.label, self.region(node.expr, scope), node.source, node.span)
            else:
                children = tuple(lower(child) for child in node.children)
                built = ir.Group(index, node.op, children, node.id, node.label)
            nodes[index] = built
            return built

        root = lower(group)
        assert isinstance(root, ir.Group)
        leaves = tuple(n for n in nodes if isinstance(n, ir.Leaf))
        return ir.Tree(root, tuple(nodes), leaves)

    def amount(self, expression: Optional[m.Expression], scope: Scope) -> Optional[ir.Amount]:
        if expression is None:
            return None
        tree = expression.tree
        params = [self.parameters[n.name] for n in ast.walk(tree) if isinstance(n, ast.Param) and n.name in self.parameters]
        standard = "floor" if any(parameter_kind(p) == "floor" for p in params) else "set"
        rounded = isinstance(tree, ast.Param) and tree.name in self.parameters and self.parameters[tree.name].type == "money"
        names = tuple(dict.fromkeys(n.name for n in ast.walk(tree) if isinstance(n, ast.Param)))
        return ir.Amount(self.region(expression, scope), standard, rounded, names)

    def notes(self, notes: Tuple[m.Note, ...], scope: Scope) -> Tuple[ir.Note, ...]:
        return tuple(ir.Note(self.region(note.when, scope), note.label) for note in notes)

    def items(self, scope: Scope) -> Optional[ir.Items]:
        items = self.rule.items
        if items is None:
            return None
        inner = scope.enter(items.entity)
        return ir.Items(
            self.region(items.over, scope), items.entity, items.label, self.tree(items.conditions, inner),
            items.require,
            self.region(items.name, inner) if items.name is not None else None,
            self.region(items.where, inner) if items.where is not None else None,
            self.amount(items.amount, inner),
            self.notes(items.notes, inner),
        )

    def build(self) -> ir.RuleIR:
        rule = self.rule
        scope = Scope(self.schema)
        checklist = None
        if rule.kind == "checklist":
            passing = rule.pass_rule or m.PassRule(all=True)
            checklist = ir.Checklist(
                tuple(ir.Criterion(c.id, c.label, c.points, self.region(c.expr, scope), c.veto, c.source) for c in rule.criteria),
                passing.min_score, passing.at_least,
                passing.all or (passing.min_score is None and passing.at_least is None),
            )
        classification = None
        if rule.kind == "classification":
            classification = ir.Classification(tuple(ir.ClassDef(k.id, k.label, self.region(k.expr, scope)) for k in rule.classes))
        lowered = ir.RuleIR(
            rule.id, rule.version, rule.kind, rule.title, rule.source, rule.in_force, rule.applies_to,
            self.tree(rule.conditions, scope), rule.file, params_of(rule), entities_of(rule, self.schema),
            self.items(scope), self.amount(rule.amount, scope), self.notes(rule.notes, scope),
            checklist, classification, rule.designation, rule,
        )
        return attrs.evolve(lowered, refers_to=rule_refs(lowered))  # asked for each claim shape a run meets


def params_of(rule: m.Rule) -> Tuple[str, ...]:
    names: List[str] = []
    for expression, _, _ in m.rule_expressions(rule):
        for node in ast.walk(expression.tree):
            if isinstance(node, ast.Param) and node.name not in names:
                names.append(node.name)
    return tuple(names)


def entities_of(rule: m.Rule, schema: m.FactSchema) -> Tuple[str, ...]:
    names = [rule.applies_to] if rule.applies_to else []
    for expression, _, _ in m.rule_expressions(rule):
        for node in ast.walk(expression.tree):
            if isinstance(node, ast.Path) and node.parts[0] in schema.entities and node.parts[0] not in names:
                names.append(node.parts[0])
    return tuple(names)


def parameter_kind(parameter: m.Parameter) -> str:
    return "floor" if parameter.floor else "fixed"


def lower_rule(rule: m.Rule, schema: m.FactSchema, parameters: Mapping[str, m.Parameter]) -> ir.RuleIR:
    return _Lowering(rule, schema, parameters).build()


def parameter_value(model: m.PolicyModel, name: str, as_of: _dt.date, jurisdiction: Optional[str]) -> object:
    """The value in force on a date: the city's, replaced by the county's override from its start."""
    param = model.parameters[name]
    value = param.value_on(as_of)
    for entry in model.overrides.get(jurisdiction or "", {}).get(name, ()):
        if entry.start <= as_of:
            value = entry.value
    if value is not None and param.type == "money":
        value = fen(value)
    return value


def bind(rule: ir.RuleIR, model: m.PolicyModel, as_of: _dt.date, jurisdiction: Optional[str]) -> ir.BoundRule:
    bound: Dict[str, ir.BoundParameter] = {}
    for name in rule.params:
        param = model.parameters[name]
        bound[name] = ir.BoundParameter(name, parameter_value(model, name, as_of, jurisdiction), parameter_kind(param))
    return ir.BoundRule(rule, as_of, jurisdiction, bound)
