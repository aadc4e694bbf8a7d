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
GENERIC = ("Gtk", "Adw")


def find_app(name, timeout=40):
    deadline = time.time() + timeout
    while time.time() < deadline:
        desktop = pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            app = desktop.getChildAtIndex(i)
            if app is not None and app.name == name and app.childCount > 0:
                return app
        time.sleep(0.5)
    return None


def walk(acc, out, path=()):
    try:
        role = acc.getRoleName()
        name = acc.name or ""
        states = acc.getState()
    except Exception:  # the tree changes while we walk: skip that branch
        return
    # GTK 4.8 does not keep STATE_SHOWING reliably: every node counts (controls of
    # hidden pages must be named too).
    out.append((role, name, states.contains(pyatspi.STATE_FOCUSABLE), path))
    for i in range(acc.childCount):
        child = acc.getChildAtIndex(i)
        if child is not None:
            walk(child, out, path + ((role, name),))


def problems_of(nodes):
    problems = []
    for role, name, focusable, path in nodes:
        if role not in CONTROLS:
            continue
        where = " > ".join(n or r for r, n in path[-2:])
        if not name.strip():
            problems.append(f"unnamed {role} (in {where})")
        elif name.startswith(GENERIC):
            problems.append(f"{role} named after its widget type: {name!r} (in {where})")
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
    app_proc = subprocess.Popen([temoin], env=env)
    results = []
    try:
        app = find_app(os.path.basename(temoin))
        results.append(("the app appears on the accessibility bus", app is not None, []))
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
