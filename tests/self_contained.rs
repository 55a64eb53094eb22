//! The repository stands alone on a fresh clone: no file in it refers to a path outside it,
//! such as lecture notes kept beside the checkout instead of in `docs/lectures.md`.
//!
//! The files checked are those `git ls-files` lists (tracked, and new ones git does not
//! ignore); without git, or outside a git checkout, every file under the package's directory
//! except `target/` and `.git/`. Files that are not UTF-8 text, and `Cargo.lock`, are skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What no file may contain. Each is built from two pieces, so that this file does not
/// contain, and flag, the strings it looks for.
const FORBIDDEN: [&str; 4] = [
    concat!("CURRICULUM", ".md"),
    concat!("CURRICULUM", " §"),
    concat!("..", "/shared"),
    concat!("/work", "/shared"),
];

/// The files `git ls-files` lists under `root`: tracked, and untracked but not ignored.
/// `None` when git cannot be run, `root` is not in a git checkout, or nothing is listed.
fn git_files(root: &Path) -> Option<Vec<PathBuf>> {
    let output = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(root)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let files: Vec<PathBuf> = output
        .stdout
        .split(|&byte| byte == 0)
        .filter(|name| !name.is_empty())
        .map(|name| root.join(String::from_utf8_lossy(name).into_owned()))
        .collect();
    (!files.is_empty()).then_some(files)
}

/// Every regular file under `dir`, skipping directories named `target` or `.git` at any
/// depth, and symbolic links.
fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if !matches!(entry.file_name().to_str(), Some("target" | ".git")) {
                walk(&entry.path(), files);
            }
        } else if kind.is_file() {
            files.push(entry.path());
        }
    }
}

#[test]
fn no_file_refers_to_a_path_outside_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = git_files(root).unwrap_or_else(|| {
        let mut files = Vec::new();
        walk(root, &mut files);
        files
    });
    files.sort();
    files.dedup();

    let mut read = 0;
    let mut hits = Vec::new();
    for path in &files {
        if path.file_name().is_some_and(|name| name == "Cargo.lock") {
            continue;
        }
        // Listed but deleted from the work tree, unreadable, or not text: nothing to check.
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        read += 1;
        let shown = path.strip_prefix(root).unwrap_or(path).display();
        for (number, line) in text.lines().enumerate() {
            for pattern in FORBIDDEN {
                if line.contains(pattern) {
                    hits.push(format!(
                        "{shown}:{}: `{pattern}` in: {}",
                        number + 1,
                        line.trim()
                    ));
                }
            }
        }
    }

    assert!(read > 0, "no text files found under {}", root.display());
    assert!(
        hits.is_empty(),
        "{} reference(s) to paths outside the repository; cite `docs/lectures.md` (§ numbers \
         unchanged) or move the file into the repository:\n{}",
        hits.len(),
        hits.join("\n")
    );
}

#[test]
fn the_lecture_notes_are_in_the_repository() {
    let notes = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/lectures.md");
    let text =
        std::fs::read_to_string(&notes).unwrap_or_else(|err| panic!("{}: {err}", notes.display()));
    // The examples and tests cite the notes by section, §1 to §10.
    for section in 1..=10 {
        let heading = format!("## §{section}. ");
        assert!(
            text.contains(heading.as_str()),
            "no `{heading}` in {}",
            notes.display()
        );
    }
}
