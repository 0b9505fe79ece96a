//! One sheet laid out as a table: the report's title line, a header row, the rows below it
//! with the panes frozen under the header and a filter over the columns, each column as wide
//! as its longest cell (up to a limit).
//!
//! Every text is written as a string cell, never as a formula: a name typed into the register
//! as `=HYPERLINK(...)` shows as that text and runs nothing. Days are Excel dates (numbers
//! with a date format), counts are numbers, and yes and no are the Danish words.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use rust_xlsxwriter::{ColNum, ExcelDateTime, Format, FormatAlign, FormatBorder, RowNum, Worksheet, XlsxError};

use super::labels;

/// The widest a column is made, in characters; longer text wraps.
const MAX_WIDTH: usize = 60;
/// The narrowest.
const MIN_WIDTH: usize = 6;
/// The most characters Excel keeps in a cell.
const MAX_CELL_CHARS: usize = 32_767;

/// A cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    /// Text, written as a string whatever it begins with.
    Text(String),
    /// A number.
    Number(f64),
    /// A day, as an Excel date.
    Date(NaiveDate),
    /// A moment (local time), as an Excel date and time.
    DateTime(NaiveDateTime),
    /// `ja` or `nej`.
    YesNo(bool),
    /// Nothing.
    Empty,
}

impl Cell {
    /// Text, or an empty cell where there is none.
    pub fn text(value: impl Into<String>) -> Cell {
        let value = value.into();
        if value.is_empty() { Cell::Empty } else { Cell::Text(value) }
    }

    /// The text where there is one.
    pub fn given(value: Option<&str>) -> Cell {
        value.map_or(Cell::Empty, Cell::text)
    }

    /// A count.
    pub fn count(n: impl Into<f64>) -> Cell {
        Cell::Number(n.into())
    }

    /// A day where there is one.
    pub fn date(day: Option<NaiveDate>) -> Cell {
        day.map_or(Cell::Empty, Cell::Date)
    }

    /// Yes or no where it is known.
    pub fn yes_no(value: Option<bool>) -> Cell {
        value.map_or(Cell::Empty, Cell::YesNo)
    }

    /// A list, its items joined by `; `.
    pub fn list(items: &[String]) -> Cell {
        Cell::text(items.join("; "))
    }

    /// How many characters wide the cell shows: its longest line.
    fn width(&self) -> usize {
        match self {
            Cell::Text(text) => text.lines().map(|l| l.chars().count()).max().unwrap_or_default(),
            Cell::Number(n) => n.to_string().len(),
            Cell::Date(_) => 10,
            Cell::DateTime(_) => 16,
            Cell::YesNo(_) => 3,
            Cell::Empty => 0,
        }
    }
}

/// One sheet's table: its name, its column headers and its rows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Table {
    /// The sheet's name (at most 31 characters, as Excel allows).
    pub name: &'static str,
    /// The columns' headers.
    pub headers: &'static [&'static str],
    /// The rows, each with a cell per header.
    pub rows: Vec<Vec<Cell>>,
}

/// The formats the cells of a workbook share.
pub(crate) struct Formats {
    title: Format,
    header: Format,
    date: Format,
    date_time: Format,
    wrapped: Format,
}

impl Formats {
    pub fn new() -> Self {
        Self {
            title: Format::new().set_bold().set_font_size(14),
            header: Format::new().set_bold().set_background_color("D9E1F2").set_border_bottom(FormatBorder::Thin),
            date: Format::new().set_num_format("dd-mm-yyyy"),
            date_time: Format::new().set_num_format("dd-mm-yyyy hh:mm"),
            wrapped: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        }
    }
}

/// The first row of the table (the header): the title line is above it.
const HEADER_ROW: RowNum = 1;

fn row_number(index: usize) -> Result<RowNum, XlsxError> {
    RowNum::try_from(index).ok().and_then(|i| i.checked_add(HEADER_ROW + 1)).ok_or(XlsxError::RowColumnLimitError)
}

fn column_number(index: usize) -> Result<ColNum, XlsxError> {
    ColNum::try_from(index).map_err(|_| XlsxError::RowColumnLimitError)
}

/// What ends a text cut to fit a cell, so that a reader sees it is not the whole.
const CUT_MARK: &str = " … [forkortet: se registret]";

/// At most as many characters as Excel keeps in a cell; a longer text is cut and says so.
fn kept(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(MAX_CELL_CHARS) {
        Some(_) => {
            let room = MAX_CELL_CHARS - CUT_MARK.chars().count();
            let at = text.char_indices().nth(room).map_or(text.len(), |(at, _)| at);
            std::borrow::Cow::Owned(format!("{}{CUT_MARK}", &text[..at]))
        }
        None => std::borrow::Cow::Borrowed(text),
    }
}

fn excel_date(day: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    let year = u16::try_from(day.year()).map_err(|_| XlsxError::DateTimeRangeError(day.to_string()))?;
    // Month and day always fit.
    ExcelDateTime::from_ymd(year, u8::try_from(day.month()).unwrap_or(1), u8::try_from(day.day()).unwrap_or(1))
}

fn excel_date_time(at: NaiveDateTime) -> Result<ExcelDateTime, XlsxError> {
    let time = at.time();
    excel_date(at.date())?.and_hms(
        u16::try_from(time.hour()).unwrap_or_default(),
        u8::try_from(time.minute()).unwrap_or_default(),
        u8::try_from(time.second()).unwrap_or_default(),
    )
}

impl Table {
    /// Writes the table on `sheet`, under `title`.
    pub fn write(&self, sheet: &mut Worksheet, title: &str, formats: &Formats) -> Result<(), XlsxError> {
        sheet.set_name(self.name)?;
        sheet.write_string_with_format(0, 0, kept(title), &formats.title)?;
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count() + 2).collect();
        for (c, header) in self.headers.iter().enumerate() {
            sheet.write_string_with_format(HEADER_ROW, column_number(c)?, *header, &formats.header)?;
        }
        for (r, cells) in self.rows.iter().enumerate() {
            let row = row_number(r)?;
            for (c, cell) in cells.iter().enumerate() {
                let col = column_number(c)?;
                match cell {
                    Cell::Text(text) => {
                        let text = kept(text);
                        if text.contains('\n') || text.chars().count() > MAX_WIDTH {
                            sheet.write_string_with_format(row, col, text, &formats.wrapped)?;
                        } else {
                            sheet.write_string(row, col, text)?;
                        }
                    }
                    Cell::Number(n) => {
                        sheet.write_number(row, col, *n)?;
                    }
                    Cell::Date(day) => {
                        sheet.write_datetime_with_format(row, col, excel_date(*day)?, &formats.date)?;
                    }
                    Cell::DateTime(at) => {
                        sheet.write_datetime_with_format(row, col, excel_date_time(*at)?, &formats.date_time)?;
                    }
                    Cell::YesNo(value) => {
                        sheet.write_string(row, col, labels::yes_no(*value))?;
                    }
                    Cell::Empty => {}
                }
                if let Some(width) = widths.get_mut(c) {
                    *width = (*width).max(cell.width());
                }
            }
        }
        for (c, width) in widths.into_iter().enumerate() {
            let width = u32::try_from((width + 1).clamp(MIN_WIDTH, MAX_WIDTH)).unwrap_or(60);
            sheet.set_column_width(column_number(c)?, width)?;
        }
        let last_col = column_number(self.headers.len().saturating_sub(1))?;
        let last_row = if self.rows.is_empty() { HEADER_ROW } else { row_number(self.rows.len() - 1)? };
        sheet.set_freeze_panes(HEADER_ROW + 1, 0)?;
        sheet.autofilter(HEADER_ROW, 0, last_row, last_col)?;
        sheet.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
        sheet.set_landscape();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_is_as_wide_as_its_longest_line() {
        assert_eq!(Cell::text("Kryptering;\nlogning af adgange").width(), 18);
        assert_eq!(Cell::count(12).width(), 2);
        assert_eq!(Cell::text(""), Cell::Empty);
        assert_eq!(Cell::list(&["a".into(), "b".into()]), Cell::Text("a; b".into()));
    }

    #[test]
    fn text_is_cut_where_excel_would() {
        let long = "æ".repeat(MAX_CELL_CHARS + 5);
        let cut = kept(&long);
        assert_eq!(cut.chars().count(), MAX_CELL_CHARS);
        assert!(cut.ends_with(CUT_MARK), "a cut text says it is cut");
        assert_eq!(kept("kort"), "kort");
        let exactly = "ø".repeat(MAX_CELL_CHARS);
        assert_eq!(kept(&exactly), exactly.as_str(), "a text that fits is whole");
    }
}
