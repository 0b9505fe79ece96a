//! The reports as Excel workbooks (.xlsx), for the people who read them in a spreadsheet:
//! which answer a caller asked for ([`format`]), one sheet laid out as a table ([`table`]),
//! the Danish words of its cells ([`labels`]), and the two workbooks ([`compliance`],
//! [`processing_records`]). The handlers gather the facts and hand them here.

pub(crate) mod compliance;
pub(crate) mod format;
pub(crate) mod labels;
pub(crate) mod processing_records;
pub(crate) mod table;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use rust_xlsxwriter::{DocProperties, Workbook, XlsxError};

use crate::error::ApiError;
pub(crate) use format::ReportFormat;
use table::Table;

/// The media type of an Excel workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// What a workbook says about itself: its title row and its document properties.
pub(crate) struct Document {
    /// The report's name, e.g. "Fortegnelse over behandlingsaktiviteter".
    pub title: &'static str,
    /// The municipality's name, where it is configured.
    pub municipality: Option<String>,
    /// The day the report is for.
    pub as_of: NaiveDate,
    /// Where the facts come from, for the document's comment.
    pub source: String,
    /// What the report was narrowed to (an owner, a unit, a status), in Danish; `None` for the
    /// whole register.
    pub selection: Option<String>,
}

impl Document {
    /// The line above each table: the report, the municipality and the day.
    pub fn title_line(&self) -> String {
        let day = labels::day(self.as_of);
        let line = match &self.municipality {
            Some(name) => format!("{} – {name} – pr. {day}", self.title),
            None => format!("{} – pr. {day}", self.title),
        };
        match &self.selection {
            Some(selection) => format!("{line} – udvalgt: {selection}"),
            None => line,
        }
    }

    fn properties(&self) -> DocProperties {
        let day = labels::day(self.as_of);
        let subject = match &self.municipality {
            Some(name) => format!("{} for {name} pr. {day}", self.title),
            None => format!("{} pr. {day}", self.title),
        };
        let mut properties =
            DocProperties::new().set_title(self.title).set_subject(subject).set_author("systemejer").set_comment(
                match &self.selection {
                    Some(selection) => format!("Opgjort pr. {day} ({}). Udvalgt: {selection}.", self.source),
                    None => format!("Opgjort pr. {day} ({}).", self.source),
                },
            );
        if let Some(name) = &self.municipality {
            properties = properties.set_company(name);
        }
        properties
    }
}

/// The workbook of `tables`, one sheet each in their order, as the bytes of an .xlsx file.
pub(crate) fn workbook(document: &Document, tables: &[Table]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    book.set_properties(&document.properties());
    let formats = table::Formats::new();
    let title = document.title_line();
    for t in tables {
        t.write(book.add_worksheet(), &title, &formats)?;
    }
    book.save_to_buffer()
}

/// An Excel workbook: the bytes of an .xlsx file.
#[derive(Debug, utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Spreadsheet(Vec<u8>);

/// Builds a workbook on the blocking pool (compressing it takes a moment), inside the
/// request's tracing span.
pub(crate) async fn render(
    build: impl FnOnce() -> Result<Vec<u8>, XlsxError> + Send + 'static,
) -> Result<Spreadsheet, ApiError> {
    let span = tracing::Span::current();
    let bytes = web::block(move || span.in_scope(build))
        .await?
        .map_err(|e| ApiError::internal("writing the spreadsheet", e))?;
    Ok(Spreadsheet(bytes))
}

/// A 200 with the workbook as a download named `filename` (ASCII, ending in `.xlsx`).
pub(crate) fn attachment(file: Spreadsheet, filename: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, XLSX))
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")))
        .insert_header((header::CONTENT_LANGUAGE, "da"))
        .body(file.0)
}
