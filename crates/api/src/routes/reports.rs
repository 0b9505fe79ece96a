//! `/reports`: the compliance overview and the record of processing activities (art. 30).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use systemejer_domain::obligations::ObligationStatus;
use systemejer_domain::reports::{ComplianceReport, Controller, ProcessingRecordRow};
use systemejer_domain::{LifecycleState, OrgUnitId, PersonId};
use systemejer_store::{ComplianceFilter, UnitScope};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Role;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::Query;
use crate::language::Reader;
use crate::respond::blocking;
use crate::spreadsheets::{self, ReportFormat};
use crate::state::AppState;

pub(super) fn register(cfg: &mut ServiceConfig) {
    cfg.service(compliance_report).service(processing_records).service(processing_records_csv);
}

/// Filters of the compliance overview.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplianceQuery {
    /// Only systems this person owns (required for callers without a role: their own).
    owner_id: Option<PersonId>,
    /// Only systems of this unit (and, by default, of the units below it).
    org_unit_id: Option<OrgUnitId>,
    /// With `org_unit_id`: whether the units below it count too (default `true`: a
    /// directorate's filter takes its departments); `false` takes the unit alone.
    include_sub_units: Option<bool>,
    /// Only systems whose worst duty has this status.
    status: Option<ObligationStatus>,
    /// Only systems in this state (default: all but `retired`).
    lifecycle_state: Option<LifecycleState>,
    /// Answer as the register stood at the end of this past day, rebuilt from the audit log.
    as_of: Option<NaiveDate>,
    /// `true`: only the systems whose owner is missing or no longer eligible (who left, or
    /// changed position), which need a handover; `false`: only the others.
    owner_ineligible: Option<bool>,
    /// `json` (the default) or `xlsx`: an Excel workbook, as a download (also chosen by
    /// `Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`).
    #[param(inline)]
    format: Option<ReportFormat>,
}

/// The compliance overview
///
/// Per system: its state, owner, the status of each duty, what its next transition would find
/// unmet, and personal data breaches awaiting a decision; with totals per status. With
/// `as_of`, the register as it stood at the end of that day (rebuilt from the audit log).
/// Admins, auditors and the DPO see every system; an owner sees their own (`owner_id`).
/// With `Accept-Language: da` the open gates' messages are in Danish (their codes are not).
///
/// With `format=xlsx` (or `Accept` naming the workbook's media type): the same overview, with
/// the same filters, as an Excel workbook in Danish: a sheet of systems (with their owners' and
/// units' names), one of their duties (the next due dates as dates), one of the open gates
/// (with their Danish messages) and one of the breaches awaiting a decision.
#[utoipa::path(
    tag = "reports",
    params(ComplianceQuery, ("Accept-Language" = Option<String>, Header, description = "`da` (weighing more than `en`) for the messages in Danish; codes never change")),
    responses((
        status = 200,
        description = "The overview: JSON, or with `format=xlsx` an Excel workbook (`Content-Disposition: attachment`)",
        content(
            (ComplianceReport = "application/json"),
            (spreadsheets::Spreadsheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        )
    )),
    security(("bearer" = []))
)]
#[get("/reports/compliance")]
async fn compliance_report(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<ComplianceQuery>,
    reader: Reader,
    req: HttpRequest,
) -> Result<actix_web::HttpResponse, ApiError> {
    let q = query.0;
    let format = ReportFormat::chosen(q.format, req.headers());
    let privileged = caller.has(Role::Admin) || caller.has(Role::Auditor) || caller.has(Role::Dpo);
    if !privileged {
        let me = caller.person.as_ref().filter(|p| p.active).map(|p| p.id);
        let Some(me) = me else {
            // An integration (a client id) or someone not in the register as an active person.
            return Err(ApiError::Forbidden(
                "the whole report needs the admin, auditor or dpo role; an owner sees their own systems with \
                 `owner_id` set to their person id, which needs a token for an active person of the register"
                    .into(),
            ));
        };
        if q.owner_id != Some(me) {
            return Err(ApiError::Forbidden(format!(
                "the whole report needs the admin, auditor or dpo role; give `owner_id={me}` (your own person id) \
                 to see the systems you own"
            )));
        }
    }
    if let Some(day) = q.as_of
        && day > state.store.today()
    {
        return Err(ApiError::BadRequest {
            detail: "bad query parameter `as_of`: cannot be in the future".into(),
            errors: vec![systemejer_domain::Violation::new("as_of", "not_in_future", "cannot be in the future")],
        });
    }
    let selection = spreadsheets::compliance::Selection {
        owner_id: q.owner_id,
        org_unit_id: q.org_unit_id,
        status: q.status,
        lifecycle_state: q.lifecycle_state,
        owner_ineligible: q.owner_ineligible,
    };
    let filter = ComplianceFilter {
        owner_id: q.owner_id,
        org_unit_id: q.org_unit_id,
        org_unit_scope: UnitScope::with_sub_units(q.include_sub_units.unwrap_or(true)),
        status: q.status,
        lifecycle_state: q.lifecycle_state,
        owner_ineligible: q.owner_ineligible,
    };
    let as_of = q.as_of;
    let mut report = blocking(&state, move |s| s.compliance_report(&filter, as_of)).await?;
    if format == ReportFormat::Xlsx {
        let (report, names) = blocking(&state, move |s| {
            let names = spreadsheets::compliance::Names::gather(s, &report)?;
            Ok((report, names))
        })
        .await?;
        let filename = spreadsheets::compliance::filename(report.as_of, &selection);
        let municipality = state.controller.name.clone();
        let bytes =
            spreadsheets::render(move || spreadsheets::compliance::build(&report, &names, municipality, &selection))
                .await?;
        return Ok(spreadsheets::attachment(bytes, &filename));
    }
    for row in &mut report.systems {
        reader.unmet(&mut row.open_gates);
        reader.unmet(row.owner_ineligible.as_mut_slice());
        reader.unmet(&mut row.transfer_basis_missing);
    }
    Ok(actix_web::HttpResponse::Ok().insert_header(reader.content_language()).json(report))
}

/// How the record of processing is answered.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProcessingRecordsQuery {
    /// `json` (the default) or `xlsx`: an Excel workbook, as a download (also chosen by
    /// `Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`).
    #[param(inline)]
    format: Option<ReportFormat>,
}

/// The record of processing activities (art. 30), with the controller and its DPO: a page of
/// every row at once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordOfProcessing {
    /// The controller (the municipality) and its data protection officer, as art. 30(1)(a)
    /// asks; from the service's configuration, `null` where it is not set.
    pub controller: Controller,
    /// One row per system that processes personal data.
    pub items: Vec<ProcessingRecordRow>,
    /// How many rows.
    pub total: i64,
    /// Always `null`: every row is on this page.
    pub next_cursor: Option<String>,
}

/// The record of processing activities (art. 30)
///
/// The controller and its data protection officer, and one row per system that processes
/// personal data (retired systems left out). Admins, auditors and the DPO. The same as a
/// spreadsheet: `/reports/processing-records.csv`, or with `format=xlsx` (or `Accept` naming the
/// workbook's media type) an Excel workbook in Danish: a sheet of the record, lists joined by
/// `; `, and a sheet naming the controller and its DPO.
#[utoipa::path(
    tag = "reports",
    params(ProcessingRecordsQuery),
    responses((
        status = 200,
        description = "The record: the controller, and one row per system; with `format=xlsx` an Excel workbook (`Content-Disposition: attachment`)",
        content(
            (RecordOfProcessing = "application/json"),
            (spreadsheets::Spreadsheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        )
    )),
    security(("bearer" = []))
)]
#[get("/reports/processing-records")]
async fn processing_records(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<ProcessingRecordsQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    caller.require_any(&[Role::Auditor, Role::Dpo])?;
    let format = ReportFormat::chosen(query.0.format, req.headers());
    let (items, today) = blocking(&state, |s| Ok((s.processing_records()?, s.today()))).await?;
    if format == ReportFormat::Xlsx {
        let controller = state.controller.clone();
        let bytes =
            spreadsheets::render(move || spreadsheets::processing_records::build(&controller, &items, today)).await?;
        return Ok(spreadsheets::attachment(bytes, &spreadsheets::processing_records::filename(today)));
    }
    let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
    Ok(HttpResponse::Ok().json(RecordOfProcessing {
        controller: state.controller.clone(),
        items,
        total,
        next_cursor: None,
    }))
}

/// The record of processing activities (art. 30), as CSV
///
/// The rows of `/reports/processing-records` as a spreadsheet for Excel: UTF-8 with a byte
/// order mark, `;` between fields, CRLF line ends, lists joined by `, `. Each row begins with
/// the controller and its DPO (art. 30(1)(a)), so that a row read alone names them. Admins,
/// auditors and the DPO.
#[utoipa::path(
    tag = "reports",
    responses((status = 200, description = "The record as CSV", content((String = "text/csv")))),
    security(("bearer" = []))
)]
#[get("/reports/processing-records.csv")]
async fn processing_records_csv(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require_any(&[Role::Auditor, Role::Dpo])?;
    let items = blocking(&state, systemejer_store::Store::processing_records).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"fortegnelse.csv\""))
        .body(to_csv(&state.controller, &items)?))
}

/// A cell a spreadsheet shows as text: one that begins as a formula would (`=`, `+`, `-`, `@`,
/// a tab or a carriage return) gets a leading `'`, so that a name typed into the register
/// cannot run as a formula in the DPO's Excel (OWASP's advice on CSV injection).
fn inert(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}") } else { cell }
}

fn to_csv(controller: &Controller, rows: &[ProcessingRecordRow]) -> Result<Vec<u8>, ApiError> {
    let fail = |e: csv::Error| ApiError::internal("writing CSV", e);
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::WriterBuilder::new().delimiter(b';').terminator(csv::Terminator::CRLF).from_writer(&mut out);
        w.write_record([
            "controller",
            "controller_cvr",
            "controller_address",
            "dpo",
            "dpo_email",
            "dpo_phone",
            "system_id",
            "system",
            "lifecycle_state",
            "owner",
            "owner_email",
            "recorded",
            "purposes",
            "data_subject_categories",
            "personal_data_categories",
            "sensitive_data",
            "cpr_numbers",
            "recipients",
            "processors",
            "third_country_transfers",
            "retention_periods",
            "retention_summary",
            "security_measures",
        ])
        .map_err(fail)?;
        let yes_no = |b: Option<bool>| match b {
            Some(true) => "ja",
            Some(false) => "nej",
            None => "",
        };
        for r in rows {
            let given = |v: &Option<String>| v.clone().unwrap_or_default();
            let fields = [
                given(&controller.name),
                given(&controller.cvr),
                given(&controller.address),
                given(&controller.dpo_name),
                given(&controller.dpo_email),
                given(&controller.dpo_phone),
                r.system_id.to_string(),
                r.system.clone(),
                r.lifecycle_state.as_str().to_owned(),
                r.owner.clone().unwrap_or_default(),
                r.owner_email.clone().unwrap_or_default(),
                (if r.recorded { "ja" } else { "nej" }).to_owned(),
                r.purposes.join(", "),
                r.data_subject_categories.join(", "),
                r.personal_data_categories.join(", "),
                yes_no(r.sensitive_data).to_owned(),
                yes_no(r.cpr_numbers).to_owned(),
                r.recipients.join(", "),
                r.processors.join(", "),
                r.third_country_transfers.join(", "),
                r.retention_periods.join(", "),
                r.retention_summary.clone().unwrap_or_default(),
                r.security_measures.clone().unwrap_or_default(),
            ];
            w.write_record(fields.map(inert)).map_err(fail)?;
        }
        w.flush().map_err(|e| ApiError::internal("writing CSV", e))?;
    }
    Ok(out)
}
