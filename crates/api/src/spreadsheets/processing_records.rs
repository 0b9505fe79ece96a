//! The record of processing activities (art. 30) as a workbook: a sheet with one row per system
//! that processes personal data, the columns of the CSV in Danish with lists joined by `; `,
//! and a sheet naming the controller and its data protection officer (art. 30(1)(a)).

use chrono::NaiveDate;
use rust_xlsxwriter::XlsxError;
use systemejer_domain::reports::{Controller, ProcessingRecordRow};

use super::labels;
use super::table::{Cell, Table};
use super::{Document, workbook};

/// The report's name, in its title line and its properties.
pub(crate) const TITLE: &str = "Fortegnelse over behandlingsaktiviteter";

/// The download's file name: `fortegnelse-2026-12-24.xlsx`.
pub(crate) fn filename(as_of: NaiveDate) -> String {
    format!("fortegnelse-{as_of}.xlsx")
}

/// The workbook of `rows`, kept by `controller`, as it stands on `as_of`.
pub(crate) fn build(
    controller: &Controller,
    rows: &[ProcessingRecordRow],
    as_of: NaiveDate,
) -> Result<Vec<u8>, XlsxError> {
    let document = Document {
        title: TITLE,
        municipality: controller.name.clone(),
        as_of,
        source: "registret, som det står nu".to_owned(),
        selection: None,
    };
    workbook(&document, &[record(rows), controller_sheet(controller)])
}

/// A retention period as the report lists it (`category: P5Y`) with the period in Danish
/// words (`category: 5 år`).
fn retention_in_danish(listed: &str) -> String {
    match listed.rsplit_once(": ") {
        Some((category, period)) => match systemejer_domain::gdpr::IsoDuration::parse(period) {
            Ok(period) => format!("{category}: {}", period.in_danish()),
            Err(_) => listed.to_owned(),
        },
        None => listed.to_owned(),
    }
}

fn record(rows: &[ProcessingRecordRow]) -> Table {
    let rows = rows
        .iter()
        .map(|r| {
            vec![
                Cell::text(&r.system),
                Cell::text(labels::state(r.lifecycle_state)),
                Cell::given(r.owner.as_deref()),
                Cell::given(r.owner_email.as_deref()),
                Cell::YesNo(r.recorded),
                Cell::list(&r.purposes),
                Cell::list(&r.data_subject_categories),
                Cell::list(&r.personal_data_categories),
                Cell::yes_no(r.sensitive_data),
                Cell::yes_no(r.cpr_numbers),
                Cell::list(&r.recipients),
                Cell::list(&r.processors),
                Cell::list(&r.third_country_transfers),
                Cell::list(&r.retention_periods.iter().map(|p| retention_in_danish(p)).collect::<Vec<_>>()),
                Cell::given(r.retention_summary.as_deref()),
                Cell::given(r.security_measures.as_deref()),
                Cell::text(r.system_id.to_string()),
            ]
        })
        .collect();
    Table {
        name: "Fortegnelse",
        headers: &[
            "System",
            "Livscyklus",
            "Systemejer",
            "Systemejers e-mail",
            "Fortegnelse udfyldt",
            "Formål",
            "Kategorier af registrerede",
            "Kategorier af personoplysninger",
            "Følsomme oplysninger (art. 9)",
            "CPR-numre",
            "Kategorier af modtagere",
            "Databehandlere",
            "Overførsler til tredjelande",
            "Slettefrister",
            "Opbevaring og sletning",
            "Tekniske og organisatoriske sikkerhedsforanstaltninger",
            "System-id",
        ],
        rows,
    }
}

fn controller_sheet(controller: &Controller) -> Table {
    let field = |label: &str, value: &Option<String>| vec![Cell::text(label), Cell::given(value.as_deref())];
    Table {
        name: "Dataansvarlig",
        headers: &["Oplysning", "Værdi"],
        rows: vec![
            field("Dataansvarlig", &controller.name),
            field("CVR-nummer", &controller.cvr),
            field("Adresse", &controller.address),
            field("Databeskyttelsesrådgiver", &controller.dpo_name),
            field("Databeskyttelsesrådgiverens e-mail", &controller.dpo_email),
            field("Databeskyttelsesrådgiverens telefon", &controller.dpo_phone),
        ],
    }
}
