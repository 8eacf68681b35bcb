#!/usr/bin/env python3
"""Split the crate in two along the layering rule: crates/core (everything
beneath the entry points) and the root package (web, api, edge, app, the
binaries). Run from the repository root on a tree where the layering test
passes. Idempotent only on a fresh tree."""
import os, re, subprocess, sys

ENTRY = {"web", "api", "edge", "app", "main.rs", "lib.rs", "bin"}
root = os.getcwd()
core = os.path.join(root, "crates", "core")
os.makedirs(os.path.join(core, "src"), exist_ok=True)

def sh(*a):
    subprocess.check_call(list(a))

# 1. Move every module beneath the entry points.
lib = open("src/lib.rs").read()
mods = re.findall(r"^pub mod (\w+);", lib, re.M)
moved = [m for m in mods if m not in ENTRY]
for m in moved:
    for cand in (f"src/{m}.rs", f"src/{m}"):
        if os.path.exists(cand):
            sh("git", "mv", cand, os.path.join("crates/core", cand))
for extra in ("src/common_passwords.txt",):
    if os.path.exists(extra):
        sh("git", "mv", extra, os.path.join("crates/core", extra))

# 2. The core crate's root: its modules.
core_lib = ["//! Passerelles' core: everything beneath the entry points — the domains",
            "//! (model, storage, operations), the one permission policy, the shared",
            "//! state and the infrastructure (database, configuration, mail, jobs,",
            "//! outgoing HTTP, i18n). It never names the web, the API or start-up:",
            "//! the compiler enforces the layering (ARCHITECTURE.md, \"Layers\").",
            ""]
core_lib += [f"pub mod {m};" for m in moved]
open("crates/core/src/lib.rs", "w").write("\n".join(core_lib) + "\n")

# 3. The root crate re-exports the core, so `crate::accounts` keeps working
#    in the entry points and `passerelles::…` in tests, fuzzers and benches.
kept = [m for m in mods if m in ENTRY]
new_lib = lib
for m in moved:
    new_lib = re.sub(rf"^pub mod {m};\n", "", new_lib, flags=re.M)
new_lib = new_lib.replace("//! Passerelles — community platform. See ARCHITECTURE.md for the code map.\n",
    "//! Passerelles — community platform. See ARCHITECTURE.md for the code map.\n"
    "//! This crate holds the entry points (pages, API, start-up, the binary);\n"
    "//! everything beneath them is the `passerelles-core` crate (crates/core),\n"
    "//! re-exported here so `crate::accounts` and `passerelles::accounts` read the same.\n"
    "pub use passerelles_core::*;\n", 1)
open("src/lib.rs", "w").write(new_lib)

# 4. Paths relative to files or to the manifest.
def edit(path, pairs):
    s = open(path).read()
    for a, b in pairs:
        if a not in s:
            sys.exit(f"{path}: {a!r} not found")
        s = s.replace(a, b)
    open(path, "w").write(s)

edit("crates/core/src/db.rs", [('include_str!("../migrations/', 'include_str!("../../../migrations/')])
edit("crates/core/src/search/eval.rs", [('include_str!("../../search/relevance.toml")', 'include_str!("../../../../search/relevance.toml")')])
edit("crates/core/src/seed.rs", [('include_str!("../assets/quebec-regions.csv")', 'include_str!("../../../assets/quebec-regions.csv")')])
edit("crates/core/src/i18n.rs", [('locales: "./locales",', 'locales: "../../locales",'),
                                 ('"/locales/fr-CA"', '"/../../locales/fr-CA"'),
                                 ('"/locales/en"', '"/../../locales/en"')])

# 5. Manifests: the core takes the root's dependencies (unused ones cost
#    nothing: they are built once for both); the root adds the core.
cargo = open("Cargo.toml").read()
deps = cargo[cargo.index("[dependencies]"):cargo.index("[dev-dependencies]")]
core_toml = """[package]
name = "passerelles-core"
version = "0.1.0"
edition = "2024"
rust-version = "1.94"
license = "AGPL-3.0-or-later"
description = "Passerelles beneath its entry points: domains, operations, policy, storage"
publish = false

""" + deps
open("crates/core/Cargo.toml", "w").write(core_toml)
cargo = cargo.replace("[dependencies]\n", "[dependencies]\npasserelles-core = { path = \"crates/core\" }\n", 1)
cargo = cargo.replace("[package]\n", "[workspace]\nmembers = [\".\", \"crates/core\"]\n\n[package]\n", 1)
open("Cargo.toml", "w").write(cargo)
print("moved:", " ".join(moved))
