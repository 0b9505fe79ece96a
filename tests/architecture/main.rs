//! The shape of the code, checked: no file of a crate reaches, through its imports and paths,
//! back to itself. Every crate of the workspace is read as text: each file is a module, and a
//! `use crate::…`, `super::…`, `self::…` or inline `crate::a::b` path is an arrow to the module
//! it names (through `pub use` re-exports, which are not arrows of their own). A loop is a set
//! of modules that reach each other; the test names every one, with its arrows.
//!
//! `cargo test -p systemejer-e2e --test architecture -- --nocapture` also prints each crate's
//! modules by floor (a module's floor is one above the highest it imports).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module: its path from the crate root (`[]` for `lib.rs`/`main.rs`).
type ModPath = Vec<String>;

struct Module {
    /// The text without comments.
    code: String,
    /// Children declared with `mod x;` or `mod x { … }`.
    children: BTreeSet<String>,
}

struct Crate {
    name: String,
    modules: BTreeMap<ModPath, Module>,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Drops `//` comments (doc comments included) and the contents of string literals, so that a
/// path in prose or in a message is not taken for an import.
fn strip(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
            continue;
        }
        if c == 'r' && (chars.get(i + 1) == Some(&'#') || chars.get(i + 1) == Some(&'"')) {
            // A raw string r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) == Some(&'"') && (i == 0 || !chars[i - 1].is_alphanumeric()) {
                j += 1;
                loop {
                    if j >= chars.len() {
                        break;
                    }
                    if chars[j] == '"' && (0..hashes).all(|h| chars.get(j + 1 + h) == Some(&'#')) {
                        j += 1 + hashes;
                        break;
                    }
                    j += 1;
                }
                out.push_str("\"\"");
                i = j;
                continue;
            }
        }
        if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
            continue;
        }
        if c == '\'' {
            // A char literal ('x', '\n', '\u{..}'), not a lifetime ('a).
            if chars.get(i + 2) == Some(&'\'') {
                out.push_str("' '");
                i += 3;
                continue;
            }
            if chars.get(i + 1) == Some(&'\\') {
                let mut j = i + 2;
                while j < chars.len() && chars[j] != '\'' {
                    j += 1;
                }
                out.push_str("' '");
                i = j + 1;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The names declared with `mod name` in `code`.
fn declared_children(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (at, _) in code.match_indices("mod ") {
        if at > 0 && is_ident(code[..at].chars().next_back().unwrap()) {
            continue;
        }
        let name: String = code[at + 4..].chars().take_while(|c| is_ident(*c)).collect();
        if !name.is_empty() {
            out.insert(name);
        }
    }
    out
}

fn read_crate(dir: &Path) -> Crate {
    let src = dir.join("src");
    let mut modules = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap();
            let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            let last = parts.pop().unwrap();
            let stem = last.trim_end_matches(".rs");
            if parts.is_empty() && stem == "main" && src.join("lib.rs").is_file() {
                // The binary beside a library is a crate of its own (it uses the library by
                // name, not by `crate::`): kept apart under a name no module can have.
                parts.push("<main>".to_owned());
            } else if parts.is_empty() && matches!(stem, "lib" | "main") {
                // The crate root.
            } else if stem != "mod" {
                parts.push(stem.to_owned());
            }
            if parts.first().is_some_and(|p| p == "bin") {
                continue;
            }
            let code = strip(&std::fs::read_to_string(&path).unwrap());
            let children = declared_children(&code);
            modules.insert(parts, Module { code, children });
        }
    }
    Crate { name: dir.file_name().unwrap().to_string_lossy().into_owned(), modules }
}

/// Reads a use tree at the start of `text` (after `crate::` or the like): answers every path
/// it names (`a::{b, c::d}` gives `a::b` and `a::c::d`).
fn use_tree(text: &str) -> Vec<Vec<String>> {
    fn tree(chars: &[char], i: &mut usize) -> Vec<Vec<String>> {
        let skip_ws = |i: &mut usize| {
            while *i < chars.len() && chars[*i].is_whitespace() {
                *i += 1;
            }
        };
        skip_ws(i);
        if chars.get(*i) == Some(&'{') {
            *i += 1;
            let mut out = Vec::new();
            loop {
                skip_ws(i);
                match chars.get(*i) {
                    Some('}') => {
                        *i += 1;
                        return out;
                    }
                    Some(',') => *i += 1,
                    None => return out,
                    _ => out.extend(tree(chars, i)),
                }
            }
        }
        let mut name = String::new();
        while *i < chars.len() && (is_ident(chars[*i]) || chars[*i] == '*') {
            name.push(chars[*i]);
            *i += 1;
        }
        if name.is_empty() {
            return Vec::new();
        }
        if chars.get(*i) == Some(&':') && chars.get(*i + 1) == Some(&':') {
            *i += 2;
            let rest = tree(chars, i);
            if rest.is_empty() {
                return vec![vec![name]];
            }
            return rest
                .into_iter()
                .map(|mut r| {
                    r.insert(0, name.clone());
                    r
                })
                .collect();
        }
        vec![vec![name]]
    }
    let chars: Vec<char> = text.chars().take(4000).collect();
    let mut i = 0;
    tree(&chars, &mut i)
}

/// Whether the statement around byte `at` of `code` is a re-export (`pub use` or
/// `pub(crate) use`): a path it names is passed through, not used.
fn in_reexport(code: &str, at: usize) -> bool {
    let start = code[..at].rfind([';', '}', '{']).map_or(0, |i| i + 1);
    let head = code[start..at].trim_start();
    let head = head.trim_start_matches(|c: char| c == '#' || c.is_whitespace());
    head.starts_with("pub use") || head.starts_with("pub(crate) use") || head.starts_with("pub(super) use")
}

/// The spans of the inline modules (`mod tests { … }`) of `code`: inside one, `super::` first
/// climbs out of it, and the file's module is still the one that imports.
fn inline_modules(code: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (at, _) in code.match_indices("mod ") {
        if at > 0 && is_ident(code[..at].chars().next_back().unwrap()) {
            continue;
        }
        let rest = &code[at + 4..];
        let name_len = rest.chars().take_while(|c| is_ident(*c)).map(char::len_utf8).sum::<usize>();
        let after = rest[name_len..].trim_start();
        if !after.starts_with('{') {
            continue;
        }
        let open = code.len() - after.len();
        let mut depth = 0;
        for (i, c) in code[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        out.push((open, open + i));
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Every path `module` names, from the crate root, with whether it is a re-export.
fn paths_of(krate: &Crate, at: &ModPath, module: &Module) -> Vec<(Vec<String>, bool)> {
    let code = &module.code;
    let inline = inline_modules(code);
    let mut out = Vec::new();
    let mut starts: Vec<(usize, usize, ModPath)> = Vec::new(); // (prefix start, tree start, base)
    for prefix in ["crate::", "super::", "self::"] {
        for (i, _) in code.match_indices(prefix) {
            if i > 0 {
                let before = code[..i].chars().next_back().unwrap();
                if is_ident(before) || before == '$' || before == ':' {
                    continue;
                }
            }
            let mut base = if prefix == "crate::" { Vec::new() } else { at.clone() };
            let mut tree_at = i + prefix.len();
            if prefix == "super::" {
                // Each inline module around the path is one `super` that stays in this file.
                let mut inside = inline.iter().filter(|(open, close)| *open < i && i < *close).count();
                let mut climb = |base: &mut ModPath| {
                    if inside > 0 {
                        inside -= 1;
                    } else {
                        base.pop();
                    }
                };
                climb(&mut base);
                while code[tree_at..].starts_with("super::") {
                    climb(&mut base);
                    tree_at += "super::".len();
                }
            }
            starts.push((i, tree_at, base));
        }
    }
    // Paths relative to this module: its declared children, named directly (`child::x`).
    for child in &module.children {
        let needle = format!("{child}::");
        for (i, _) in code.match_indices(&needle) {
            if i > 0 {
                let before = code[..i].chars().next_back().unwrap();
                if is_ident(before) || before == ':' || before == '$' {
                    continue;
                }
            }
            starts.push((i, i, at.clone()));
        }
    }
    for (i, tree_at, base) in starts {
        let reexport = in_reexport(code, i);
        for p in use_tree(&code[tree_at..]) {
            let mut full = base.clone();
            full.extend(p.into_iter().filter(|s| s != "self"));
            out.push((full, reexport));
        }
    }
    let _ = krate;
    out
}

/// The module a path names: the longest prefix that is a module, followed through that
/// module's re-exports of the next name.
fn resolve(krate: &Crate, reexports: &BTreeMap<(ModPath, String), Vec<String>>, path: &[String]) -> ModPath {
    let mut target: ModPath = Vec::new();
    let mut used = 0;
    for n in (0..=path.len()).rev() {
        if krate.modules.contains_key(&path[..n]) {
            target = path[..n].to_vec();
            used = n;
            break;
        }
    }
    if let Some(next) = path.get(used)
        && let Some(through) = reexports.get(&(target.clone(), next.clone()))
    {
        let mut again = through.clone();
        again.extend(path[used + 1..].iter().cloned());
        if again.as_slice() != path {
            return resolve(krate, reexports, &again);
        }
    }
    target
}

/// The arrows between the modules of a crate.
fn arrows(krate: &Crate) -> BTreeSet<(ModPath, ModPath)> {
    let mut reexports: BTreeMap<(ModPath, String), Vec<String>> = BTreeMap::new();
    let mut uses = Vec::new();
    for (at, module) in &krate.modules {
        for (path, reexport) in paths_of(krate, at, module) {
            if reexport {
                if let Some(last) = path.last().filter(|l| *l != "*") {
                    reexports.insert((at.clone(), last.clone()), path.clone());
                }
            } else {
                uses.push((at.clone(), path));
            }
        }
    }
    // A re-export passes a path through, but a module that re-exports what lies outside it
    // (`pub(crate) use crate::duties::derive` in a table) uses it as much as an import does.
    for (at, module) in &krate.modules {
        for (path, reexport) in paths_of(krate, at, module) {
            if reexport && !path.starts_with(at) {
                uses.push((at.clone(), path));
            }
        }
    }
    let mut out = BTreeSet::new();
    for (from, path) in uses {
        let to = resolve(krate, &reexports, &path);
        // A module naming its own ancestors' items through `super::`/`crate::` is an arrow;
        // naming itself is not.
        if to != from {
            out.insert((from, to));
        }
    }
    out
}

/// Imports this check cannot follow, which would hide arrows: a glob of the crate's own modules
/// (`use crate::*`, `use super::*`) outside an inline module (a test module may glob its
/// parent), and the crate under another name (`use crate as x`).
fn unfollowable(krate: &Crate) -> Vec<String> {
    let mut out = Vec::new();
    for (at, module) in &krate.modules {
        let code = &module.code;
        let inline = inline_modules(code);
        for prefix in ["crate::", "super::", "self::"] {
            for (i, _) in code.match_indices(prefix) {
                let inside_inline = inline.iter().any(|(open, close)| *open < i && i < *close);
                let globbed = use_tree(&code[i + prefix.len()..]).iter().any(|p| p.last().is_some_and(|l| l == "*"));
                let in_use = code[..i]
                    .rfind([';', '{', '}'])
                    .is_some_and(|start| code[start + 1..i].trim_start().starts_with("use"));
                if globbed && in_use && !inside_inline {
                    out.push(format!("{}: {} globs {prefix}…: name what it uses", krate.name, name(at)));
                }
            }
        }
        if code.contains("crate as ") {
            out.push(format!("{}: {} names the crate under another name", krate.name, name(at)));
        }
    }
    out
}

/// The sets of modules that reach each other (Tarjan), each with more than one module.
fn loops(nodes: &[ModPath], edges: &BTreeSet<(ModPath, ModPath)>) -> Vec<Vec<ModPath>> {
    struct State<'a> {
        index: BTreeMap<&'a ModPath, usize>,
        low: BTreeMap<&'a ModPath, usize>,
        stack: Vec<&'a ModPath>,
        on_stack: BTreeSet<&'a ModPath>,
        next: usize,
        out: Vec<Vec<ModPath>>,
    }
    fn visit<'a>(v: &'a ModPath, edges: &'a BTreeSet<(ModPath, ModPath)>, s: &mut State<'a>) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        for (_, w) in edges.iter().filter(|(f, _)| f == v) {
            if !s.index.contains_key(w) {
                visit(w, edges, s);
                let lw = s.low[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(lw));
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                group.push(w.clone());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                s.out.push(group);
            }
        }
    }
    let mut s = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in nodes {
        if !s.index.contains_key(v) {
            visit(v, edges, &mut s);
        }
    }
    s.out
}

fn name(p: &ModPath) -> String {
    if p.is_empty() { "crate".to_owned() } else { p.join("::") }
}

/// Each module's floor: 0 for one that imports nothing of its crate, else one above the
/// highest it imports (modules in a loop share the loop's floor).
fn floors(nodes: &[ModPath], edges: &BTreeSet<(ModPath, ModPath)>) -> BTreeMap<ModPath, usize> {
    let mut floor: BTreeMap<ModPath, usize> = nodes.iter().map(|n| (n.clone(), 0)).collect();
    for _ in 0..nodes.len() {
        let mut changed = false;
        for (from, to) in edges {
            let want = floor[to] + 1;
            if floor[from] < want && want <= nodes.len() {
                floor.insert(from.clone(), want);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    floor
}

fn crates() -> Vec<Crate> {
    let mut out: Vec<Crate> = std::fs::read_dir(workspace().join("crates"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("src").is_dir())
        .map(|p| read_crate(&p))
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

#[test]
fn no_crate_has_an_import_loop() {
    let mut problems = Vec::new();
    for krate in crates() {
        assert!(!krate.modules.is_empty(), "{} has no modules", krate.name);
        let edges = arrows(&krate);
        let nodes: Vec<ModPath> = krate.modules.keys().cloned().collect();
        let floor = floors(&nodes, &edges);
        let mut by_floor: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for (m, f) in &floor {
            by_floor.entry(*f).or_default().push(name(m));
        }
        println!("{}: {} modules, {} arrows", krate.name, nodes.len(), edges.len());
        for (f, ms) in &by_floor {
            println!("  floor {f}: {}", ms.join(", "));
        }
        problems.extend(unfollowable(&krate));
        for group in loops(&nodes, &edges) {
            let inside: Vec<String> = edges
                .iter()
                .filter(|(a, b)| group.contains(a) && group.contains(b))
                .map(|(a, b)| format!("{} -> {}", name(a), name(b)))
                .collect();
            problems.push(format!(
                "{}: {} reach each other ({} arrows):\n    {}",
                krate.name,
                group.iter().map(name).collect::<Vec<_>>().join(", "),
                inside.len(),
                inside.join("\n    ")
            ));
        }
    }
    assert!(problems.is_empty(), "import loops:\n  {}", problems.join("\n  "));
}

/// The checker itself finds what it must: a re-export is followed, a grouped `use` names each
/// of its modules, a path in a comment or a string is no import, and a loop is found.
#[test]
fn the_checker_reads_paths_as_rust_does() {
    assert_eq!(
        use_tree("{a, b::{c, d::E}, f::*};"),
        vec![vec!["a"], vec!["b", "c"], vec!["b", "d", "E"], vec!["f", "*"]]
    );
    assert_eq!(strip("let x = \"crate::a\"; // crate::b\nuse crate::c;"), "let x = \"\"; \nuse crate::c;");
    let module = |code: &str| Module { code: code.to_owned(), children: declared_children(code) };
    let krate = Crate {
        name: "t".into(),
        modules: BTreeMap::from([
            (vec![], module("mod a; mod b; mod c; pub use c::Thing;")),
            (vec!["a".into()], module("use crate::Thing; fn f() { crate::b::g(); }")),
            (vec!["b".into()], module("use super::{a::x};")),
            (vec!["c".into()], module("pub struct Thing;")),
            (vec!["d".into()], module("pub(crate) use crate::c::Thing;")),
        ]),
    };
    let edges = arrows(&krate);
    let v = |s: &str| if s.is_empty() { vec![] } else { vec![s.to_owned()] };
    assert!(edges.contains(&(v("a"), v("c"))), "through the re-export: {edges:?}");
    assert!(edges.contains(&(v("a"), v("b"))) && edges.contains(&(v("b"), v("a"))), "{edges:?}");
    assert!(!edges.iter().any(|(f, _)| f.is_empty()), "the root's re-export of its own is no arrow: {edges:?}");
    assert!(edges.contains(&(v("d"), v("c"))), "re-exporting what lies outside is using it: {edges:?}");
    let nodes: Vec<ModPath> = krate.modules.keys().cloned().collect();
    assert_eq!(loops(&nodes, &edges), vec![vec![v("a"), v("b")]]);
}

/// The store's layers as docs/architecture.md draws them: row access below the facts, the
/// duties and the audit log; the use cases and the views above them and apart from each other.
/// Each rule is what a part may not import; a module of `tables` or `changes` may not import
/// another of its own folder either.
#[test]
fn the_store_keeps_its_layers() {
    let store = crates().into_iter().find(|c| c.name == "store").expect("the store crate");
    let forbidden: &[(&str, &[&str])] = &[
        ("tables", &["audit", "events", "facts", "duties", "changes", "views", "delivery"]),
        ("audit", &["events", "facts", "duties", "changes", "views", "delivery"]),
        ("events", &["audit", "facts", "duties", "changes", "views", "delivery"]),
        ("facts", &["audit", "events", "duties", "changes", "views", "delivery"]),
        ("duties", &["audit", "events", "changes", "views", "delivery"]),
        ("changes", &["views", "delivery"]),
        ("views", &["audit", "events", "changes", "delivery"]),
        // Delivery writes the audit event of the one change it makes itself: a webhook
        // subscription it turns off, in the transaction that records the attempt.
        ("delivery", &["facts", "duties", "changes", "views"]),
    ];
    let part = |m: &ModPath| m.first().cloned().unwrap_or_default();
    let mut broken = Vec::new();
    for (from, to) in arrows(&store) {
        let (a, b) = (part(&from), part(&to));
        let rule = forbidden.iter().find(|(p, _)| *p == a).map_or(&[][..], |(_, f)| *f);
        let sideways = a == b && (a == "tables" || a == "changes") && from.len() > 1 && to.len() > 1;
        if rule.contains(&b.as_str()) || sideways {
            broken.push(format!("{} -> {}", name(&from), name(&to)));
        }
    }
    assert!(broken.is_empty(), "the store's layers are crossed:\n  {}", broken.join("\n  "));
}

/// A use case or a view is one call into the store: it reaches the database through
/// `read`/`write` and the modules below, never through another of the store's public methods
/// (which would open a second transaction inside the first, and on SQLite wait for itself).
#[test]
fn a_use_case_calls_no_other_use_case() {
    let store = crates().into_iter().find(|c| c.name == "store").expect("the store crate");
    // The accessors of plain values (no I/O): today, and the day duties are worked out on.
    let core = ["read", "write", "write_unless", "today", "day_on", "backend"];
    let mut calls = Vec::new();
    for (at, module) in &store.modules {
        if !matches!(at.first().map(String::as_str), Some("changes" | "views" | "delivery")) {
            continue;
        }
        let own: BTreeSet<String> = module
            .code
            .match_indices("fn ")
            .map(|(i, _)| module.code[i + 3..].chars().take_while(|c| is_ident(*c)).collect())
            .collect();
        for (i, _) in module.code.match_indices("self.") {
            let rest = &module.code[i + 5..];
            let method: String = rest.chars().take_while(|c| is_ident(*c)).collect();
            let called = rest[method.len()..].starts_with('(');
            if called && !core.contains(&method.as_str()) && !own.contains(&method) {
                calls.push(format!("{} calls self.{method}(…)", name(at)));
            }
        }
    }
    assert!(
        calls.is_empty(),
        "use cases and views calling other public methods of the store:\n  {}",
        calls.join("\n  ")
    );
}
