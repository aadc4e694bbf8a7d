#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Walks Témoin's window as a screen reader does (AT-SPI) and checks that every
control a person can reach is named for them. Prints TAP.

Usage: a11y-walk.py TEMOIN — under an X server (tests/meson.build brings Xvfb). It
starts its own session bus with dbus-run-session, whose services (the AT-SPI
registry) write to stdout: only TAP lines are passed on. The app runs on a
temporary data directory."""

import os
import subprocess
import sys
import tempfile
import time

try:
    import pyatspi
except ImportError:
    print("1..0 # SKIP python3-pyatspi is not installed")
    sys.exit(0)

# Roles a person operates, and so must hear a name for.
CONTROLS = {
    "push button", "toggle button", "check box", "radio button", "menu item",
    "page tab", "link", "entry", "text", "password text", "spin button",
    "combo box", "list item", "slider", "switch",
}
# Containers a screen reader announces by name as it enters them.
CONTAINERS = {"list", "table", "tree", "tree table", "page tab list"}
GENERIC = ("Gtk", "Adw")



def find_app(name, proc, timeout=40):
    """The app's accessible, or None when it does not appear in time or has exited."""
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        desktop = pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            app = desktop.getChildAtIndex(i)
            if app is not None and app.name == name and app.childCount > 0:
                return app
        time.sleep(0.5)
    return None


def label_texts(acc, depth=3):
    """The names of the labels inside @acc (a button's visible text)."""
    texts = []
    try:
        for i in range(acc.childCount):
            child = acc.getChildAtIndex(i)
            if child is None:
                continue
            if child.getRoleName() == "label" and child.name:
                texts.append(child.name)
            elif depth > 1:
                texts.extend(label_texts(child, depth - 1))
    except Exception:
        pass
    return texts


def walk(acc, out, path=()):
    try:
        role = acc.getRoleName()
        name = acc.name or ""
        states = acc.getState()
    except Exception:  # the tree changes while we walk: skip that branch
        return
    # GTK 4.8 does not keep STATE_SHOWING reliably: every node counts (controls of
    # hidden pages must be named too).
    labels = label_texts(acc) if role in CONTROLS else []
    out.append((role, name, states.contains(pyatspi.STATE_FOCUSABLE), path, labels))
    for i in range(acc.childCount):
        child = acc.getChildAtIndex(i)
        if child is not None:
            walk(child, out, path + ((role, name),))


def doubled(name, labels):
    """Whether GTK 4.8 ran a name on with its label: "_Preview Preview" (a raw
    mnemonic, then the label), or an explicit name followed by the label."""
    words = name.split()
    half = len(words) // 2
    if half and len(words) % 2 == 0:
        first, second = " ".join(words[:half]), " ".join(words[half:])
        if first.replace("_", "", 1) == second:
            return True
    return any(name != text and name.endswith(" " + text) for text in labels)


def problems_of(nodes):
    """What a screen reader user would stumble on, one line each."""
    problems = []
    for role, name, focusable, path, labels in nodes:
        where = " > ".join(n or r for r, n in path[-2:])
        if role in CONTAINERS:
            if name.startswith(GENERIC):
                problems.append(f"{role} named after its widget type: {name!r} "
                                f"(in {where})")
            continue
        if role not in CONTROLS:
            continue
        if not name.strip():
            problems.append(f"unnamed {role} (in {where})")
        elif name.startswith(GENERIC):
            problems.append(f"{role} named after its widget type: {name!r} (in {where})")
        elif doubled(name, labels):
            problems.append(f"{role} name doubled by GTK 4.8: {name!r} (in {where})")
        else:
            words = name.split()
            half = len(words) // 2
            if half and len(words) % 2 == 0 and words[:half] == words[half:]:
                problems.append(f"{role} name said twice: {name!r}")
    return problems


def main():
    temoin = sys.argv[1]
    data_dir = tempfile.mkdtemp(prefix="temoin-a11y-")
    env = dict(os.environ, TEMOIN_DATA_DIR=data_dir, GTK_A11Y="atspi")
    env.pop("NO_AT_BRIDGE", None)
    # Bring the accessibility bus up before the app: its launcher connects to the
    # X server too, and Xlib refused the app's connection (XOpenDisplay returned
    # NULL, "cannot open display") about one time in ten when both connected at
    # once on a fresh Xvfb.
    pyatspi.Registry.getDesktop(0)
    app_proc = subprocess.Popen([temoin], env=env)
    # The checks themselves catch what they are for (names seen in GTK 4.8).
    samples = [("_Preview Preview", [], True), ("Export the certificate Export…", ["Export…"],
               True), ("Rules for _ga", ["Rules for _ga"], False), ("Preview", ["Preview"],
               False), ("_ga _ga", [], False)]
    results = [("the doubled-name check tells GTK 4.8's doubling from good names",
                all(doubled(n, l) == want for n, l, want in samples),
                [f"{n!r}: {doubled(n, l)}" for n, l, want in samples
                 if doubled(n, l) != want])]
    try:
        app = find_app(os.path.basename(temoin), app_proc)
        results.append(("the app appears on the accessibility bus", app is not None,
                        [] if app_proc.poll() is None
                        else [f"the app exited with status {app_proc.returncode}"]))
        if app is None:
            return results
        pages = [r for r in pyatspi.utils.findAllDescendants(
            app, lambda a: a.getRoleName() == "page tab")]
        seen = set()
        for tab in pages:
            if tab.name in seen:
                continue
            seen.add(tab.name)
            try:
                tab.queryAction().doAction(0)
            except Exception:
                pass
            time.sleep(1.0)
            nodes = []
            walk(app, nodes)
            problems = problems_of(nodes)
            results.append((f"every control of the {tab.name!r} page has a name",
                            not problems, problems))
        results.append(("the window has page tabs to walk", len(seen) >= 2, [str(seen)]))
    finally:
        app_proc.terminate()
        try:
            app_proc.wait(10)
        except subprocess.TimeoutExpired:
            app_proc.kill()
    return results


def run_in_own_bus():
    proc = subprocess.run(["dbus-run-session", "--", sys.executable, __file__, "--inner"]
                          + sys.argv[1:], stdout=subprocess.PIPE, text=True)
    tap = [l for l in proc.stdout.splitlines()
           if l.startswith(("1..", "ok ", "not ok ", "#"))]
    print("\n".join(tap) if tap else "Bail out! the accessibility walk printed nothing")
    return proc.returncode


if __name__ == "__main__":
    if sys.argv[1:2] != ["--inner"]:
        sys.exit(run_in_own_bus())
    del sys.argv[1]
    results = main()
    print(f"1..{len(results)}")
    for i, (what, ok, details) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {what}")
        for d in details:
            print(f"# {d}")
