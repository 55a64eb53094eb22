//! The engine's layout, as `ARCHITECTURE.md` states it: stages listed in pipeline order in
//! `lib.rs`, each importing only the stages above it (no circle, none within a stage's own
//! submodules either), small files, short functions and a short `lib.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The modules `lib.rs` declares, in its order.
fn stages() -> Vec<String> {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    lib.lines()
        .filter_map(|l| {
            let l = l.trim_start_matches("pub ");
            let name = l.strip_prefix("mod ")?.split(';').next()?;
            Some(name.trim().to_string())
        })
        .collect()
}

/// Every `.rs` file under `dir`.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The names that follow `prefix` in `text` (`crate::func::Builtin` → `func` for `crate::`).
fn references(text: &str, prefix: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (k, _) in text.match_indices(prefix) {
        let before = text[..k].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let name: String = text[k + prefix.len()..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.insert(name);
        }
    }
    found
}

/// Code without comments, so that a doc link does not count as an import.
fn code(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The stage a file belongs to: `emit` for `src/emit/expr.rs` and `src/emit/mod.rs`.
fn stage_of(path: &Path) -> String {
    let relative = path.strip_prefix(src()).unwrap();
    let first = relative.components().next().unwrap();
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_string()
}

#[test]
fn each_stage_imports_only_the_stages_above_it() {
    let stages = stages();
    let rank: BTreeMap<&str, usize> = stages
        .iter()
        .enumerate()
        .map(|(k, s)| (s.as_str(), k))
        .collect();
    let mut wrong = Vec::new();
    for path in files(&src()) {
        let stage = stage_of(&path);
        let Some(&own) = rank.get(stage.as_str()) else {
            continue; // lib.rs and the explain binary: the pipeline and its users
        };
        for used in references(&code(&path), "crate::") {
            if let Some(&other) = rank.get(used.as_str()) {
                if other > own {
                    wrong.push(format!("{} uses `{used}`, a later stage", path.display()));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn submodules_of_a_stage_import_without_circles() {
    for stage in ["emit", "diff", "parse"] {
        let dir = src().join(stage);
        let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for path in files(&dir) {
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            let text = code(&path);
            let mut edges = references(&text, "super::");
            edges.extend(references(&text, &format!("crate::{stage}::")));
            edges.retain(|e| dir.join(format!("{e}.rs")).exists() && *e != name);
            uses.insert(name, edges);
        }
        // Kahn's algorithm: a circle leaves modules that are never free of imports.
        let mut left = uses.clone();
        while let Some(free) = left
            .iter()
            .find(|(_, e)| e.is_empty())
            .map(|(n, _)| n.clone())
        {
            left.remove(&free);
            for edges in left.values_mut() {
                edges.remove(&free);
            }
        }
        assert!(left.is_empty(), "import circle in {stage}/: {left:#?}");
    }
}

#[test]
fn files_are_small_and_functions_short() {
    let mut long = Vec::new();
    for path in files(&src()) {
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() > 600 {
            long.push(format!("{}: {} lines", path.display(), lines.len()));
        }
        for (k, line) in lines.iter().enumerate() {
            let indent = line.len() - line.trim_start().len();
            let head = line.trim_start();
            let is_fn = [
                "fn ",
                "pub fn ",
                "pub(crate) fn ",
                "const fn ",
                "pub const fn ",
            ]
            .iter()
            .any(|p| head.starts_with(p));
            if !is_fn || head.ends_with(';') {
                continue;
            }
            let close = format!("{}}}", " ".repeat(indent));
            if let Some(end) = lines[k..].iter().position(|l| *l == close) {
                if end > 100 {
                    long.push(format!(
                        "{}:{}: a function of {end} lines",
                        path.display(),
                        k + 1
                    ));
                }
            }
        }
    }
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    if lib.lines().count() > 80 {
        long.push(format!("lib.rs: {} lines", lib.lines().count()));
    }
    assert!(long.is_empty(), "{long:#?}");
}
