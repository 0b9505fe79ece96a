//! The risk assessment and the DPIA Kitos records for a usage, drafted as imported facts.
//!
//! **How they count toward the gates: not until the owner confirms them.** The guidance makes
//! approving them the owner's own duty: *"Systemejer har overordnet ansvaret for [...] at
//! godkende risikovurderinger og eventuel konsekvensvurdering"*, and the register counts an
//! assessment only once the owner has approved it (DOMAIN.md: "an approved risk assessment",
//! "an approved DPIA"; an admin or a delegate prepares, but cannot approve in the owner's
//! place). An import is an admin's act, and Kitos's "Yes" says only that an assessment was
//! made, not that this owner has read and accepted what it found. So each is added unapproved
//! ([`crate::Imported`] marks it as coming from Kitos), and satisfies a gate once the owner
//! approves it in the register; [`crate::gates`] shows the gates both ways.
//!
//! - **Risk assessment**: `riskAssessmentConducted` `Yes` with a date and a result (`Low`,
//!   `Medium`, `High`) becomes a risk assessment from the **data subjects' point of view**: the
//!   question sits in Kitos's GDPR section, beside the DPIA and the data's sensitivity. The
//!   register's information security assessment (confidentiality, integrity, availability) has
//!   no Kitos counterpart. Its summary is Kitos's notes, else a line saying where it comes from;
//!   its link the documentation's URL.
//! - **DPIA**: `dpiaConducted` `Yes` with a date and a documentation link (the register keeps a
//!   DPIA as the document it is). Kitos keeps no record of the DPO being consulted, so no DPIA
//!   decision is drafted: the owner records it.
//!
//! A `Yes` that lacks what the register needs is reported and left out.

use systemejer_domain::records::RecordRules;
use systemejer_domain::risk::{Dpia, RiskAssessment, RiskLevel, RiskPerspective};
use systemejer_domain::{Prose, WebUrl};
use systemejer_kitos::{Answered, Choice, Link, RiskLevel as KitosRiskLevel};

use crate::drafts::Imported;
use crate::options::MapOptions;
use crate::usage::Usage;

/// The usage's risk assessment, if Kitos records one the register can keep.
pub(crate) fn risk_assessment(usage: &mut Usage<'_>, options: &MapOptions) -> Option<Imported<RiskAssessment>> {
    let this = usage.kitos;
    let gdpr = &this.gdpr;
    let path = "gdpr.riskAssessmentConducted";
    if gdpr.risk_assessment_conducted.answered().and_then(Choice::as_bool) != Some(true) {
        return None;
    }
    let Some(performed_on) = gdpr.risk_assessment_conducted_date.map(systemejer_kitos::Timestamp::date) else {
        usage.warn(
            "risk_assessment_date_missing",
            "gdpr.riskAssessmentConductedDate",
            "Kitos says a risk assessment was made, but not when, which the register needs: it is left out",
        );
        return None;
    };
    let risk_level = match gdpr.risk_assessment_result.as_ref().and_then(Choice::known) {
        Some(KitosRiskLevel::Low) => RiskLevel::Low,
        Some(KitosRiskLevel::Medium) => RiskLevel::Medium,
        Some(KitosRiskLevel::High) => RiskLevel::High,
        Some(KitosRiskLevel::Undecided) | None => {
            usage.warn(
                "risk_assessment_result_missing",
                "gdpr.riskAssessmentResult",
                "Kitos says a risk assessment was made, but not what risk it found, which the register needs: it is \
                 left out",
            );
            return None;
        }
    };
    let notes = gdpr.risk_assessment_notes.as_deref().and_then(|notes| Prose::parse(notes).ok());
    let summary = match notes {
        Some(notes) => notes,
        None => Prose::parse(&format!(
            "Imported from OS2 Kitos: a risk assessment made on {performed_on}, finding a {} risk. To be confirmed \
             by the owner.",
            risk_level.as_str()
        ))
        .ok()?,
    };
    let document_url = link(usage, &this.gdpr.risk_assessment_documentation, "gdpr.riskAssessmentDocumentation.url");
    let record = RiskAssessment {
        perspective: RiskPerspective::DataSubject,
        performed_on,
        risk_level,
        confidentiality: None,
        integrity: None,
        availability: None,
        summary,
        document_url,
    };
    keep(usage, record, path, options)
}

/// The usage's DPIA, if Kitos records one the register can keep.
pub(crate) fn dpia(usage: &mut Usage<'_>, options: &MapOptions) -> Option<Imported<Dpia>> {
    let this = usage.kitos;
    let gdpr = &this.gdpr;
    let path = "gdpr.dpiaConducted";
    if gdpr.dpia_conducted.answered().and_then(Choice::as_bool) != Some(true) {
        return None;
    }
    let Some(performed_on) = gdpr.dpia_date.map(systemejer_kitos::Timestamp::date) else {
        usage.warn(
            "dpia_date_missing",
            "gdpr.dpiaDate",
            "Kitos says a DPIA was made, but not when, which the register needs: it is left out",
        );
        return None;
    };
    let Some(document_url) = link(usage, &this.gdpr.dpia_documentation, "gdpr.dpiaDocumentation.url") else {
        usage.warn(
            "dpia_link_missing",
            "gdpr.dpiaDocumentation",
            "Kitos says a DPIA was made, but gives no link to it, and the register keeps a DPIA as the document it \
             is: it is left out; add it with its link",
        );
        return None;
    };
    keep(usage, Dpia { performed_on, document_url, summary: None }, path, options)
}

/// The record, unless it breaks a rule the register keeps (a day in the future, say).
fn keep<D: RecordRules>(usage: &mut Usage<'_>, record: D, path: &str, options: &MapOptions) -> Option<Imported<D>> {
    let violations = record.violations(options.today);
    if let Some(v) = violations.first() {
        usage.warn("record_refused", path, format!("the record is left out: its `{}` {}", v.field, v.message));
        return None;
    }
    Some(Imported { record, source: usage.place(path) })
}

/// The URL of `link`, unless absent; reported where it is not an http(s) URL.
fn link(usage: &mut Usage<'_>, link: &Link, path: &str) -> Option<WebUrl> {
    let url = link.url()?;
    let parsed = WebUrl::parse(url).ok();
    if parsed.is_none() {
        usage.warn("link_invalid", path, format!("the link {url:?} is not an http(s) URL: left out"));
    }
    parsed
}
