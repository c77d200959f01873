"""The package's shape: no import cycles, no private module imported across packages.

Run as a script (``python tests/test_architecture.py``) to print the figures the
architecture notes quote: import cycles, cross-package private imports, cross-package
private attribute reads, reads of Symbol's old graph internals, the length of
module/module.py and the files over 800 lines.

Definitions:
- A module is one ``.py`` file of ``symjax_mx``; a package is the folder holding it.
- The import graph has an edge A -> B for every ``import`` in A (at module level or
  inside a function: a lazy import is still a dependency) naming module B, where
  ``from P import name`` names the submodule ``P.name`` if that file exists, else ``P``.
- A cross-package private import is an import in package A of a private module (its
  name starts with one underscore), or of anything from one, or of a private name,
  where the module imported from belongs to a different package B.
- A cross-package private read is an attribute access ``x._name`` (read or write; one
  leading underscore; ``self``/``cls`` excluded) in package A, where ``_name`` is not
  defined in A (as a function, class, variable, ``self._name =`` or ``__slots__`` entry).
"""
import ast
import collections
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent / "symjax_mx"


def _module_name(path):
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules():
    """module name -> (path, parsed tree)."""
    return {_module_name(p): (p, ast.parse(p.read_text(), str(p)))
            for p in sorted(ROOT.rglob("*.py"))}


def _package(name, path):
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _imports(name, path, tree, modules):
    """(imported module, imported private name or None) for every import in ``tree``."""
    package = _package(name, path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in modules:
                    yield alias.name, None
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source not in modules:
                continue
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                if submodule in modules:
                    yield submodule, None
                else:
                    yield source, alias.name


def import_graph():
    """module -> set of modules it imports (within symjax_mx)."""
    modules = _modules()
    return {name: {target for target, _ in _imports(name, path, tree, modules)
                   if target != name}
            for name, (path, tree) in modules.items()}


def cycles(graph):
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _is_private(name):
    return name.startswith("_") and not name.startswith("__")


def private_imports():
    """(importing module, imported thing) for private modules or names imported from
    another package."""
    modules = _modules()
    found = []
    for name, (path, tree) in modules.items():
        package = _package(name, path)
        for target, imported in _imports(name, path, tree, modules):
            target_path = modules[target][0]
            owner = target if target_path.name == "__init__.py" else target.rpartition(".")[0]
            private = _is_private(target.rpartition(".")[2]) or (
                imported is not None and _is_private(imported))
            if private and owner != package:
                found.append((name, target + (f".{imported}" if imported else "")))
    return found


def _defined_names(tree):
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
              and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
            names.add(node.attr)
        elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__slots__" for t in node.targets):
            names.update(c.value for c in ast.walk(node.value)
                         if isinstance(c, ast.Constant) and isinstance(c.value, str))
    return names


def private_reads():
    """(reading module, attribute) for each read of another package's private attribute."""
    modules = _modules()
    by_package = collections.defaultdict(list)
    for name, (path, tree) in modules.items():
        by_package[_package(name, path)].append((name, tree))
    found = []
    for package, members in by_package.items():
        own = set().union(*(_defined_names(tree) for _, tree in members))
        for name, tree in members:
            for node in ast.walk(tree):
                if (isinstance(node, ast.Attribute) and _is_private(node.attr)
                        and node.attr not in own and not (isinstance(node.value, ast.Name)
                                 and node.value.id in ("self", "cls"))):
                    found.append((name, node.attr))
    return found


SYMBOL_INTERNALS = ("_outputs", "_nodes", "_aux_ids")


def symbol_internal_reads():
    """(module, attribute) for each read of the graph internals Symbol used to expose
    (``_outputs``, ``_nodes()``, ``_aux_ids``) outside ``symbol/symbol.py`` (an object's
    own ``self._nodes`` is not one)."""
    return [(name, node.attr) for name, (path, tree) in _modules().items()
            if name != "symjax_mx.symbol.symbol" for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr in SYMBOL_INTERNALS
            and not (isinstance(node.value, ast.Name) and node.value.id == "self")]


def file_lengths():
    return {_module_name(p): len(p.read_text().splitlines()) for p in ROOT.rglob("*.py")}


# MXNet's test_utils exports the package itself as ``mx`` (its tests use it after
# ``from mxnet.test_utils import *``); this one import of the package root is allowed.
ALLOWED_IMPORTS = {("symjax_mx.test_utils", "symjax_mx")}


def test_import_graph_has_no_cycles():
    graph = import_graph()
    for source, target in ALLOWED_IMPORTS:
        graph[source].discard(target)
    found = cycles(graph)
    assert not found, f"import cycles between modules: {found}"


def test_no_private_module_or_name_is_imported_across_packages():
    found = private_imports()
    assert not found, f"private imports across packages: {found}"


def test_cycle_finder_sees_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def main():
    found = cycles(import_graph())
    print(f"import cycles: {len(found)}")
    for component in found:
        print("   ", " ".join(component))
    imports = private_imports()
    print(f"cross-package private imports: {len(imports)}")
    for module, target in imports:
        print(f"    {module}: {target}")
    reads = private_reads()
    print(f"cross-package private reads: {len(reads)}")
    for (module, attr), count in sorted(collections.Counter(reads).items()):
        print(f"    {module}: {attr} x{count}")
    print(f"reads of Symbol's graph internals outside symbol.py: "
          f"{len(symbol_internal_reads())}")
    lengths = file_lengths()
    print(f"module/module.py lines: {lengths['symjax_mx.module.module']}")
    print("files over 800 lines:", [n for n, k in lengths.items() if k > 800])


if __name__ == "__main__":
    main()
