#!/usr/bin/env python3
"""Fails when the modules of a crate import each other in a cycle.

For every module with submodules, the `crate::` and `super::` paths of its
submodules' files (tests excluded) give edges between those siblings; names
re-exported by lib.rs are followed to the module they come from. Usage:
.ci/module-cycles.py crates/keygen-core crates/keygen-mont
"""
import pathlib
import re
import sys


def module_path(src, f):
    parts = list(f.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("lib", "main", "mod"):
        parts.pop()
    return tuple(parts)


def strip_tests(text):
    # Inline test modules use `super::*` of their own file; they and the
    # test-only helpers are not part of the layering.
    m = re.search(r"#\[cfg\(test\)\]\s*mod \w+ \{", text)
    return text[: m.start()] if m else text


def group_names(text, start):
    """First segments of the names inside the `{` at `start`."""
    depth, item, names = 0, "", []
    for c in text[start:]:
        if c == "{":
            depth += 1
            if depth == 1:
                continue
        elif c == "}":
            depth -= 1
            if depth == 0:
                names.append(item)
                break
        if depth == 1 and c == ",":
            names.append(item)
            item = ""
        elif depth >= 1:
            item += c
    return [n.strip().split("::")[0].strip() for n in names if n.strip()]


def crate_edges(root):
    src = root / "src"
    files = sorted(src.rglob("*.rs"))
    mods = {module_path(src, f): f for f in files}
    lib = (src / "lib.rs").read_text()
    reexport = {}
    for m in re.finditer(r"pub(?:\(crate\))? use (\w+)::(\{[^}]*\}|\w+)", lib):
        names = group_names(m.group(2), 0) if m.group(2).startswith("{") else [m.group(2)]
        for n in names:
            reexport[n] = m.group(1)
    edges = set()
    for path, f in mods.items():
        # Comments (doc links among them) are not dependencies.
        text = re.sub(r"//.*", "", strip_tests(f.read_text()))
        for m in re.finditer(r"\b(crate|(?:super::)*super)::(\{|\w+)", text):
            if m.group(1) == "crate":
                base = ()
            else:
                ups = m.group(1).count("super")
                base = path[:-ups] if ups <= len(path) else ()
            heads = group_names(text, m.start(2)) if m.group(2) == "{" else [m.group(2)]
            for head in heads:
                if head in ("self", "*"):
                    continue
                target = base + (head,)
                if target not in mods and base == () and head in reexport:
                    target = (reexport[head],)
                if target not in mods:
                    continue
                # The edge between the two siblings under the common parent.
                common = 0
                while common < min(len(path), len(target)) and path[common] == target[common]:
                    common += 1
                if common < len(path) and common < len(target):
                    edges.add((path[: common + 1], target[: common + 1]))
    return edges


def cycles(edges):
    """The strongly connected components of more than one module (Tarjan)."""
    graph = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index, low, on, stack, out = {}, {}, set(), [], []

    def visit(n):
        index[n] = low[n] = len(index)
        stack.append(n)
        on.add(n)
        for m in sorted(graph[n]):
            if m not in index:
                visit(m)
                low[n] = min(low[n], low[m])
            elif m in on:
                low[n] = min(low[n], index[m])
        if low[n] == index[n]:
            component = []
            while True:
                m = stack.pop()
                on.discard(m)
                component.append(m)
                if m == n:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for n in sorted(graph):
        if n not in index:
            visit(n)
    return out


status = 0
for arg in sys.argv[1:]:
    found = cycles(crate_edges(pathlib.Path(arg)))
    for component in found:
        print(f"{arg}: modules in a cycle: " + ", ".join("::".join(p) for p in component))
        status = 1
    if not found:
        print(f"{arg}: modules depend one way")
sys.exit(status)
