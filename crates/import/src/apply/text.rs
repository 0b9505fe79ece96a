//! The plan as text for a terminal: one block per item that changes, a line per skip, the
//! findings, and the counts.

use std::fmt::Write as _;

use super::plan::{Action, Item, Plan};
use crate::finding::Severity;

/// `plan` as text, as `systemejer import kitos` prints it.
pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    let heading = if plan.dry_run { "Import from Kitos (dry run: nothing written)" } else { "Import from Kitos" };
    let _ = writeln!(out, "{heading}");
    for item in &plan.items {
        line(&mut out, item);
    }
    let errors = plan.findings.iter().filter(|f| f.severity == Severity::Error).count();
    if !plan.findings.is_empty() {
        let _ = writeln!(out, "\nFindings ({errors} error(s), {} warning(s)):", plan.findings.len() - errors);
        for f in &plan.findings {
            let severity = if f.severity == Severity::Error { "error" } else { "warning" };
            let place = f.place.as_ref().map(|p| format!("{p}: ")).unwrap_or_default();
            let _ = writeln!(out, "  {severity} {}: {place}{}", f.code, f.message);
        }
    }
    let s = plan.summary;
    let (create, link, update) =
        if plan.dry_run { ("to create", "to link", "to update") } else { ("created", "linked", "updated") };
    let _ = writeln!(
        out,
        "\n{} {create}, {} {link}, {} {update}, {} with conflicts, {} unchanged, {} skipped, {} deleted in Kitos{}",
        s.create,
        s.link,
        s.update,
        s.conflict,
        s.unchanged,
        s.skip,
        s.deleted_in_kitos,
        if s.failed > 0 { format!(", {} failed", s.failed) } else { String::new() }
    );
    if s.not_carried > 0 {
        let _ = writeln!(
            out,
            "{} item(s) differ in Kitos in what the import does not carry over (see \"not carried over\" above): \
             bring those in step in the register.",
            s.not_carried
        );
    } else if plan.changes_nothing() {
        let _ = writeln!(out, "Nothing changes: the register is in step with Kitos.");
    }
    out
}

fn line(out: &mut String, item: &Item) {
    let what = match &item.register_id {
        Some(id) => format!("{} {:?} (kitos {}, register {id})", item.entity.as_str(), item.name, item.kitos_uuid),
        None => format!("{} {:?} (kitos {})", item.entity.as_str(), item.name, item.kitos_uuid),
    };
    let _ = match &item.action {
        Action::Create => writeln!(out, "+ create {what}"),
        Action::Link { differences } => {
            let _ = writeln!(out, "= link {what}: made here by hand; linked to Kitos");
            for c in differences {
                let _ = writeln!(out, "    {}: here {}, in Kitos {}; kept as here", c.field, c.old, c.new);
            }
            Ok(())
        }
        Action::Unchanged => writeln!(out, "  unchanged {what}"),
        Action::Skip { reason } => writeln!(out, "- skip {what}: {reason}"),
        Action::DeletedInKitos => {
            writeln!(out, "! deleted in Kitos {what}: kept here; retire it through its lifecycle")
        }
        Action::Update { changes } => {
            let _ = writeln!(out, "~ update {what}");
            for c in changes {
                let _ = writeln!(out, "    {}: {} -> {}", c.field, c.old, c.new);
            }
            Ok(())
        }
        Action::Conflict { conflicts, changes } => {
            let _ = writeln!(out, "! conflict {what}");
            for c in conflicts {
                let _ = writeln!(
                    out,
                    "    {}: edited here ({}) and in Kitos ({}); imported was {}; kept as here",
                    c.field, c.here, c.kitos, c.imported
                );
            }
            for c in changes {
                let _ = writeln!(out, "    {}: {} -> {}", c.field, c.old, c.new);
            }
            Ok(())
        }
    };
    for step in &item.gates {
        let mut codes: Vec<&str> = Vec::new();
        for unmet in &step.unmet {
            if !codes.contains(&unmet.code) {
                codes.push(unmet.code);
            }
        }
        let _ = writeln!(out, "    stays {}: to {} it needs {}", step.from, step.to, codes.join(", "));
    }
    for part in &item.not_carried {
        let _ = writeln!(out, "    not carried over: {part}");
    }
    if let Some(e) = &item.error {
        let _ = writeln!(out, "    failed: {e}");
    }
}
